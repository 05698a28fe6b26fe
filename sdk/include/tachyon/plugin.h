/*
 * tachyon plugin ABI, version 1.
 *
 * This is the only interface between the tachyon host (the sampler) and an
 * output collector plugin. A plugin is a shared object that exports exactly
 * one symbol, TACHYON_PLUGIN_ENTRY_NAME, a function returning a pointer to a
 * static tachyon_plugin descriptor.
 *
 * Compatibility rules (see sdk/ABI.md for the full promise):
 *  - TACHYON_ABI_VERSION is the major version. The host refuses a plugin whose
 *    major differs from its own.
 *  - Every struct that crosses the boundary starts with a struct_size field
 *    filled by the side that allocated it. New fields are only ever appended,
 *    so a reader checks struct_size before touching a field added in a later
 *    minor version (TACHYON_HAS_FIELD does that check).
 *  - Nothing is ever removed, reordered or retyped within a major version.
 *
 * The header is C99 and compiles as C++.
 */
#ifndef TACHYON_PLUGIN_H
#define TACHYON_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TACHYON_ABI_VERSION 1
#define TACHYON_ABI_MINOR 1

/* The single symbol every plugin exports. */
#define TACHYON_PLUGIN_ENTRY tachyon_plugin_entry_v1
#define TACHYON_PLUGIN_ENTRY_NAME "tachyon_plugin_entry_v1"

#if defined(_WIN32)
#define TACHYON_EXPORT __declspec(dllexport)
#elif defined(__GNUC__)
#define TACHYON_EXPORT __attribute__((visibility("default")))
#else
#define TACHYON_EXPORT
#endif

/* True when a struct received across the boundary is large enough to hold
 * FIELD, that is, when its producer knew about that field. */
#define TACHYON_HAS_FIELD(ptr, type, field)                                    \
    ((ptr)->struct_size >= offsetof(type, field) + sizeof(((type *)0)->field))

/* Error codes returned by callbacks and host services. 0 is success. */
enum tachyon_status {
    TACHYON_OK = 0,
    TACHYON_ERR_GENERIC = -1,
    TACHYON_ERR_NOMEM = -2,
    TACHYON_ERR_IO = -3,
    TACHYON_ERR_INVALID = -4,      /* bad argument or option value */
    TACHYON_ERR_UNSUPPORTED = -5,
};

/* Interned ids. 0 is never a valid id; ids are dense and stable for the
 * whole session, so plugins may index their own arrays with them. */
typedef uint32_t tachyon_str_id;
typedef uint32_t tachyon_frame_id;

enum tachyon_frame_kind {
    TACHYON_FRAME_PYTHON = 0,
    TACHYON_FRAME_GC = 1,     /* "<GC>": the garbage collector is running */
    TACHYON_FRAME_NATIVE = 2, /* "<native>": C code between Python frames */
    TACHYON_FRAME_TASK = 3,   /* "<task>": an asyncio task boundary */
};

#define TACHYON_NO_OPCODE (-1)
#define TACHYON_NO_LOCATION (-1)

/* One interned frame. Owned by the host, valid for the whole session. Two
 * frames with the same code location but a different opcode are distinct
 * frames; collectors that do not care about opcodes merge on
 * (filename, funcname, line). */
typedef struct tachyon_frame {
    uint32_t struct_size;
    uint32_t kind;               /* enum tachyon_frame_kind */
    tachyon_str_id filename;     /* "~" for synthetic frames */
    tachyon_str_id funcname;     /* qualified name, e.g. "Class.method" */
    int32_t line;                /* TACHYON_NO_LOCATION when unknown */
    int32_t end_line;
    int32_t column;
    int32_t end_column;
    int32_t opcode;              /* executing (maybe specialized) opcode, or TACHYON_NO_OPCODE */
    int32_t base_opcode;         /* the generic instruction it specializes */
    tachyon_str_id opcode_name;  /* 0 when opcode is TACHYON_NO_OPCODE */
    tachyon_str_id base_opcode_name;
} tachyon_frame;

/* Thread status bits carried by every sample. The values match
 * CPython's own _remote_debugging flags so tools can share code. */
#define TACHYON_THREAD_HAS_GIL (1u << 0)
#define TACHYON_THREAD_ON_CPU (1u << 1)
#define TACHYON_THREAD_UNKNOWN (1u << 2)
#define TACHYON_THREAD_GIL_REQUESTED (1u << 3)
#define TACHYON_THREAD_HAS_EXCEPTION (1u << 4)
#define TACHYON_THREAD_MAIN (1u << 5)
#define TACHYON_THREAD_IN_GC (1u << 6)

/* One observation of one thread. Valid only during on_sample; copy what you
 * keep. frames[0] is the innermost (currently executing) frame. */
typedef struct tachyon_sample {
    uint32_t struct_size;
    uint32_t status;             /* TACHYON_THREAD_* bits */
    uint64_t thread_id;          /* Python's thread identifier */
    uint64_t native_thread_id;   /* the OS thread id (Linux TID), 0 when unknown */
    uint64_t timestamp_ns;       /* monotonic, since the session started */
    uint32_t weight;             /* this many identical consecutive samples */
    uint32_t depth;              /* number of entries in frames */
    const tachyon_frame_id *frames;
    uint32_t interpreter_id;
    uint32_t reserved;
} tachyon_sample;

enum tachyon_mode {
    TACHYON_MODE_WALL = 0,
    TACHYON_MODE_CPU = 1,
    TACHYON_MODE_GIL = 2,
    TACHYON_MODE_ALL = 3,        /* every sample kept, status recorded (gecko) */
    TACHYON_MODE_EXCEPTION = 4,
};

/* Session flags in tachyon_session.flags. */
#define TACHYON_SESSION_ALL_THREADS (1u << 0)
#define TACHYON_SESSION_NATIVE (1u << 1)
#define TACHYON_SESSION_GC (1u << 2)
#define TACHYON_SESSION_OPCODES (1u << 3)
#define TACHYON_SESSION_ASYNC_AWARE (1u << 4)
#define TACHYON_SESSION_ASYNC_ALL (1u << 5)
#define TACHYON_SESSION_LIVE (1u << 6)

/* Facts about the profiling session, fixed before create() is called. */
typedef struct tachyon_session {
    uint32_t struct_size;
    uint32_t mode;               /* enum tachyon_mode */
    int64_t pid;
    uint32_t python_hexversion;  /* e.g. 0x030d00f0 for 3.13.0 final */
    uint32_t flags;              /* TACHYON_SESSION_* */
    const char *python_version;  /* "3.13.0" */
    uint64_t interval_us;
    uint64_t start_time_unix_ns; /* wall clock when sampling began */
    const char *format;          /* the selected format name */
    const char *output_path;     /* NULL means standard output */
    const char *command_line;    /* the target's command line, for reports */
} tachyon_session;

/* Sampling statistics, current when asked for and final in finish(). */
typedef struct tachyon_stats {
    uint32_t struct_size;
    uint32_t reserved;
    uint64_t duration_ns;        /* elapsed sampling time */
    uint64_t attempts;           /* sample attempts made */
    uint64_t successes;          /* attempts that produced a consistent snapshot */
    uint64_t failures;           /* attempts that failed (torn or unreadable) */
    uint64_t expected;           /* attempts the schedule called for */
    uint64_t missed;             /* scheduled attempts skipped because we fell behind */
    uint64_t samples;            /* thread samples delivered to plugins (after mode filtering) */
    uint64_t filtered;           /* thread samples dropped by the mode filter */
} tachyon_stats;

enum tachyon_log_level {
    TACHYON_LOG_ERROR = 0,
    TACHYON_LOG_WARNING = 1,
    TACHYON_LOG_INFO = 2,
    TACHYON_LOG_DEBUG = 3,
};

/* An output file opened through the host. The host writes to a temporary
 * file next to the destination and renames it into place on a successful
 * close, so a reader never sees a half-written report. */
typedef struct tachyon_output tachyon_output;

#define TACHYON_OUTPUT_STDOUT "-"

typedef struct tachyon_host tachyon_host;

/* Services the host offers to a plugin. All calls happen on the thread that
 * calls the plugin's callbacks; none of them is thread-safe. */
struct tachyon_host {
    uint32_t struct_size;
    uint32_t abi_minor;          /* TACHYON_ABI_MINOR of the host */
    const tachyon_session *session;

#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    void (*log)(const tachyon_host *host, int level, const char *fmt, ...);

    /* The UTF-8 text of an interned string; len receives its byte length
     * when not NULL. Returns NULL for an unknown id. */
    const char *(*string)(const tachyon_host *host, tachyon_str_id id, size_t *len);

    /* An interned frame, or NULL for an unknown id. */
    const tachyon_frame *(*frame)(const tachyon_host *host, tachyon_frame_id id);

    /* Number of frames interned so far: valid ids are 1..frame_count. */
    uint32_t (*frame_count)(const tachyon_host *host);

    /* The effective value of one of this plugin's declared options (the
     * declared default when nobody set it), or NULL for an undeclared key. */
    const char *(*option)(const tachyon_host *host, const char *key);

    /* Current sampling statistics. */
    const tachyon_stats *(*stats)(const tachyon_host *host);

    /* Open an output. path NULL means the session output path (or stdout
     * when it has none); TACHYON_OUTPUT_STDOUT means standard output. */
    int (*output_open)(const tachyon_host *host, const char *path, tachyon_output **out);
    int (*output_write)(tachyon_output *out, const void *data, size_t len);
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    int (*output_printf)(tachyon_output *out, const char *fmt, ...);
    /* Non-zero when the output is an interactive terminal (colour allowed
     * only when this is true and NO_COLOR is unset). */
    int (*output_is_terminal)(tachyon_output *out);
    /* commit != 0: flush, then rename into place; commit == 0: discard. */
    int (*output_close)(tachyon_output *out, int commit);

    /* Create a directory (and its parents) for multi-file outputs. */
    int (*make_directory)(const tachyon_host *host, const char *path);

    /* Read a source file of the target (through /proc/PID/root where that
     * applies). Returns 0 and a malloc'ed buffer the plugin frees with
     * free_buffer, or a negative code. */
    int (*read_source)(const tachyon_host *host, const char *filename, char **data, size_t *len);
    void (*free_buffer)(const tachyon_host *host, void *data);

    void *host_data;             /* private to the host */

    /* ---- ABI 1.1: services for interactive collectors. Check
     * TACHYON_HAS_FIELD(host, tachyon_host, watch_input) (or abi_minor >= 1)
     * before calling any of them. ---- */

    /* Ask the host to restart its statistics: every tachyon_stats counter
     * and duration_ns start again from zero before the next sample is taken,
     * and no sample taken before the call is delivered after it. The plugin
     * clears its own tables itself. Callable from any callback except
     * finish and destroy; 0 or a negative status. */
    int (*request_reset)(const tachyon_host *host);
    /* Ask the host to end the sampling loop as if the duration had run out.
     * finish() follows, with tachyon_finish_info.stopped set. */
    int (*request_stop)(const tachyon_host *host);
    /* Non-zero once the session is ending: the user interrupted it (Ctrl-C,
     * SIGTERM) or the plugin called request_stop. A plugin that waits for
     * the user inside finish() polls this so Ctrl-C still ends the run. */
    int (*stop_requested)(const tachyon_host *host);
    /* Watch fd (a terminal, a pipe) for input: the host calls the plugin's
     * on_input when fd is readable, at once while the sampling loop waits
     * 2 ms or more for its next sample, otherwise at the next tick (where fd
     * is always polled). -1 stops watching. 0 or TACHYON_ERR_INVALID. */
    int (*watch_input)(const tachyon_host *host, int fd);

    /* ---- Appended after 1.1 (the minor version is bumped with the next
     * release of the ABI): check
     * TACHYON_HAS_FIELD(host, tachyon_host, replay_profile) before use. ---- */

    /* Read the binary profile (the --binary format, tachyon's or CPython's)
     * at path and call on_sample for each of its thread-samples, in file
     * order, with the recorded timestamps, thread ids and status bits. Its
     * frames are interned in this session's tables, so their ids and string
     * ids compare with the session's own (host->frame and host->string
     * resolve them). When facts is not NULL (set its struct_size), it
     * receives the recording's mode, interval_us, flags and Python version.
     * A non-zero return from on_sample stops the replay and is returned.
     * Returns 0, TACHYON_ERR_IO (unreadable file) or TACHYON_ERR_INVALID
     * (not a valid profile); the host has logged the reason. */
    int (*replay_profile)(const tachyon_host *host, const char *path,
                          int (*on_sample)(void *ctx, const tachyon_sample *sample), void *ctx,
                          tachyon_session *facts);
};

/* Output format flags in tachyon_format.flags. */
#define TACHYON_FORMAT_DIRECTORY (1u << 0)   /* output is a directory */
#define TACHYON_FORMAT_OPCODES (1u << 1)     /* accepts --opcodes */
#define TACHYON_FORMAT_NO_MODE (1u << 2)     /* records every status itself; --mode is refused */
#define TACHYON_FORMAT_STDOUT (1u << 3)      /* writes to stdout unless -o is given */
#define TACHYON_FORMAT_INTERACTIVE (1u << 4) /* drives the terminal (live view) */

typedef struct tachyon_format {
    uint32_t struct_size;
    uint32_t flags;              /* TACHYON_FORMAT_* */
    const char *name;            /* selected with --format=NAME or --NAME */
    const char *description;     /* one line for --help and `tachyon plugins` */
    /* Default output name; "{pid}" is replaced by the target's PID. Ignored
     * with TACHYON_FORMAT_STDOUT when no -o is given. */
    const char *default_output;
} tachyon_format;

enum tachyon_option_type {
    TACHYON_OPT_STRING = 0,
    TACHYON_OPT_INT = 1,
    TACHYON_OPT_BOOL = 2,
    TACHYON_OPT_FLOAT = 3,
    TACHYON_OPT_CHOICE = 4,      /* one of the '|'-separated words in choices */
};

typedef struct tachyon_option {
    uint32_t struct_size;
    uint32_t type;               /* enum tachyon_option_type */
    const char *name;            /* key, as in --plugin-opt PLUGIN.KEY=VALUE */
    const char *default_value;   /* NULL when unset by default */
    const char *help;
    const char *choices;         /* TACHYON_OPT_CHOICE: "a|b|c" */
} tachyon_option;

/* What finish() is told about how the session ended. */
typedef struct tachyon_finish_info {
    uint32_t struct_size;
    uint32_t interrupted;        /* stopped by Ctrl-C */
    uint32_t target_exited;      /* the target exited before the duration ran out */
    uint32_t reserved;
    const tachyon_stats *stats;
    /* ABI 1.1 */
    uint32_t stopped;            /* the plugin called request_stop */
    uint32_t reserved2;
} tachyon_finish_info;

typedef struct tachyon_plugin {
    uint32_t struct_size;        /* sizeof(tachyon_plugin) as the plugin saw it */
    uint32_t abi_version;        /* TACHYON_ABI_VERSION the plugin was built for */
    uint32_t abi_minor;          /* TACHYON_ABI_MINOR the plugin was built for */
    uint32_t reserved;
    const char *name;
    const char *version;
    const char *summary;
    const tachyon_format *formats;
    uint32_t format_count;
    uint32_t option_count;
    const tachyon_option *options;

    /* Called once, after option values are known. Store your state in
     * *state. format names the selected format. */
    int (*create)(const tachyon_host *host, const char *format, void **state);
    /* Called for every sample the mode filter kept. */
    int (*on_sample)(void *state, const tachyon_sample *sample);
    /* Optional: called about every tick_interval_ms from the sampling loop
     * (0 means every 100 ms; since ABI 1.1 the host honours intervals down
     * to 10 ms). Every sample taken before the tick has been delivered. */
    int (*tick)(void *state, uint64_t now_ns);
    uint32_t tick_interval_ms;
    uint32_t reserved2;
    /* Write the output. Called once, also after Ctrl-C or target exit. */
    int (*finish)(void *state, const tachyon_finish_info *info);
    /* Release everything. Always called when create() succeeded. */
    void (*destroy)(void *state);

    /* ---- ABI 1.1 ---- */
    /* Optional: the fd given to host->watch_input is readable. Called from
     * the sampling loop between samples, like tick. */
    int (*on_input)(void *state, uint64_t now_ns);
} tachyon_plugin;

/* The descriptor size of ABI 1.0: the smallest a host accepts. */
#define TACHYON_PLUGIN_SIZE_1_0 (offsetof(tachyon_plugin, destroy) + sizeof(void (*)(void *)))

typedef const tachyon_plugin *(*tachyon_plugin_entry_fn)(void);

#ifdef __cplusplus
}
#endif

#endif /* TACHYON_PLUGIN_H */
