/* Usage lines, --help texts and usage errors. The help lists the output
 * formats of the plugins actually installed, so it never promises a
 * format this installation cannot produce. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "../common/err.h"
#include "cli.h"

const char *cli_command_name(enum cli_command cmd)
{
    switch (cmd) {
    case CMD_RUN: return "run";
    case CMD_ATTACH: return "attach";
    case CMD_PLUGINS: return "plugins";
    case CMD_CONFIG: return "config";
    case CMD_REPLAY: return "replay";
    case CMD_DUMP: return "dump";
    default: return "";
    }
}

void cli_print_usage(FILE *out, enum cli_command cmd)
{
    switch (cmd) {
    case CMD_RUN:
        fprintf(out, "usage: tachyon run [-h] [-m] [-i MICROSECONDS | -r RATE] [-d SECONDS] [-a] [--realtime-stats]\n"
                     "                   [--native] [--no-gc] [--opcodes] [--async-aware] [--subprocesses] [--blocking]\n"
                     "                   [--mode {wall,cpu,gil,exception}]\n"
                     "                   [--async-mode {running,all}] [--pstats | --collapsed | --flamegraph | --gecko |\n"
                     "                   --heatmap | --jsonl | --binary | --format NAME] [-o OUTPUT] [--browser] [--sort KEY]\n"
                     "                   [-l LIMIT] [--no-summary] [--live] [-v] [--plugin PATH] [--plugin-opt NAME.KEY=VALUE]\n"
                     "                   [--config FILE] [--python PATH] target ...\n");
        break;
    case CMD_ATTACH:
        fprintf(out, "usage: tachyon attach [-h] [-i MICROSECONDS | -r RATE] [-d SECONDS] [-a] [--realtime-stats]\n"
                     "                      [--native] [--no-gc] [--opcodes] [--async-aware] [--subprocesses] [--blocking]\n"
                     "                      [--mode {wall,cpu,gil,exception}]\n"
                     "                      [--async-mode {running,all}] [--pstats | --collapsed | --flamegraph | --gecko |\n"
                     "                      --heatmap | --jsonl | --binary | --format NAME] [-o OUTPUT] [--browser] [--sort KEY]\n"
                     "                      [-l LIMIT] [--no-summary] [--live] [-v] [--plugin PATH] [--plugin-opt NAME.KEY=VALUE]\n"
                     "                      [--config FILE] pid\n");
        break;
    case CMD_REPLAY:
        fprintf(out, "usage: tachyon replay [-h] [--pstats | --collapsed | --flamegraph | --gecko | --heatmap |\n"
                     "                      --jsonl | --format NAME] [-o OUTPUT] [--browser] [--sort KEY] [-l LIMIT]\n"
                     "                      [--no-summary] [--plugin PATH] [--plugin-opt NAME.KEY=VALUE] [--config FILE]\n"
                     "                      input_file\n");
        break;
    case CMD_PLUGINS:
        fprintf(out, "usage: tachyon plugins [-h] [--plugin PATH] [--config FILE]\n");
        break;
    case CMD_CONFIG:
        fprintf(out, "usage: tachyon config [-h] [--config FILE]\n");
        break;
    case CMD_DUMP:
        cli_dump_usage(out);
        break;
    default:
        fprintf(out, "usage: tachyon [-h] [--version] {run,attach,dump,replay,plugins,config} ...\n");
        break;
    }
}

int cli_usage_error(enum cli_command cmd, const char *fmt, ...)
{
    va_list ap;
    char msg[768];

    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    cli_print_usage(stderr, cmd);
    if (cmd == CMD_NONE)
        fprintf(stderr, "tachyon: error: %s\n", msg);
    else
        fprintf(stderr, "tachyon %s: error: %s\n", cli_command_name(cmd), msg);
    return ERR_USAGE;
}

static void print_formats(FILE *out, const struct plugin_registry *reg)
{
    size_t i;
    uint32_t f;
    int any = 0;

    fprintf(out, "\nOutput formats installed (--format NAME; --pstats, --collapsed, --flamegraph, --gecko,\n"
                 "--heatmap, --jsonl and --binary select the format of that name):\n");
    for (i = 0; reg && i < reg->count; i++) {
        const struct plugin_entry *e = &reg->entries[i];
        if (!e->desc || e->shadowed)
            continue;
        for (f = 0; f < e->desc->format_count; f++) {
            const tachyon_format *fmt = &e->desc->formats[f];
            fprintf(out, "  %-14s %s (plugin %s)\n", fmt->name, fmt->description ? fmt->description : "",
                    e->desc->name);
            any = 1;
        }
    }
    if (!any)
        fprintf(out, "  (none found: see `tachyon plugins`)\n");
}

/* The output formats and the closing option groups that sampling (run,
 * attach) and replay share. */
#define HELP_FORMATS \
    "  --pstats              generate pstats output (default)\n" \
    "  --collapsed           generate collapsed stack traces for flamegraphs\n" \
    "  --flamegraph          generate interactive HTML flamegraph visualization\n" \
    "  --gecko               generate Gecko format for Firefox Profiler\n" \
    "  --heatmap             generate interactive HTML heatmap visualization with line-level sample counts\n" \
    "  --diff-flamegraph BASELINE\n" \
    "                        generate a differential flamegraph against the BASELINE binary profile\n" \
    "  --jsonl               generate JSON Lines records for programs\n"

#define HELP_PSTATS_AND_PLUGINS \
    "\npstats format options:\n" \
    "  --sort {nsamples,tottime,cumtime,sample-pct,cumul-pct,nsamples-cumul,name}\n" \
    "                        sort order for pstats output (default: nsamples)\n" \
    "  -l, --limit LIMIT     limit the number of rows in the output (default: 15)\n" \
    "  --no-summary          disable the summary section in the pstats output\n" \
    "\nPlugins and configuration:\n" \
    "  --plugin PATH         load plugins from this file or directory first (repeatable)\n" \
    "  --plugin-opt NAME.KEY=VALUE\n" \
    "                        set an option a plugin declares (see `tachyon plugins`)\n" \
    "  --config FILE         read this tachyon.ini after the site and user files\n"

static const char sampling_help[] =
    "\nSampling configuration:\n"
    "  -i, --interval MICROSECONDS\n"
    "                        sampling interval (default: 100)\n"
    "  -r, --sampling-rate RATE\n"
    "                        sampling rate instead of an interval (e.g., 10000, 10khz, 10k)\n"
    "  -d, --duration SECONDS\n"
    "                        sampling duration (default: run to completion)\n"
    "  -a, --all-threads     sample all threads in the process instead of just the main thread\n"
    "  --realtime-stats      print real-time sampling statistics (Hz, mean, min, max) during profiling\n"
    "  --native              include artificial \"<native>\" frames to denote calls to non-Python code\n"
    "  --no-gc               don't include artificial \"<GC>\" frames to denote active garbage collection\n"
    "  --opcodes             gather bytecode opcode information for instruction-level profiling\n"
    "                        (shows which bytecode instructions are executing, including specializations)\n"
    "  --async-aware         enable async-aware profiling (uses task-based stack reconstruction)\n"
    "  --subprocesses        also profile every Python descendant (fork, exec, subprocess, multiprocessing),\n"
    "                        each in its own output: FORMAT_PID.EXT, or BASE_PID.EXT with -o BASE.EXT\n"
    "                        (pstats children write profile_PID.pstats); at most 100 at a time\n"
    "  --blocking            stop all threads in the target (ptrace) for each sample to read a frozen\n"
    "                        snapshot: no torn stacks, but the target runs slower; use 1khz or less\n"
    "  -v, --verbose         with --subprocesses: say how each child was found, and which were skipped\n"
    "\nMode options:\n"
    "  --mode {wall,cpu,gil,exception}\n"
    "                        sampling mode: wall (all samples), cpu (only samples when thread is on CPU),\n"
    "                        gil (only samples when thread holds the GIL), exception (only samples when\n"
    "                        thread has an active exception). Incompatible with --async-aware (default: wall)\n"
    "  --async-mode {running,all}\n"
    "                        async profiling mode: \"running\" (only running task) or \"all\" (all tasks\n"
    "                        including waiting). Requires --async-aware (default: running)\n"
    "\nOutput options:\n"
    HELP_FORMATS
    "  --binary              generate the binary format\n"
    "  --format NAME         generate the output of any installed format (see below)\n"
    "  --compression {auto,zstd,none}\n"
    "                        compression for the binary format: auto (zstd), zstd or none (default: auto)\n"
    "  -o, --output OUTPUT   output path (default: stdout for pstats text; with -o, pstats is written as a\n"
    "                        marshal file that Python's pstats module loads). Auto-generated for other formats\n"
    "                        as FORMAT_PID.EXT; for heatmap: directory name (default: heatmap_PID)\n"
    "  --browser             open an HTML report (flamegraph, heatmap) in the browser when it is written\n"
    "                        ($BROWSER, else xdg-open); with --subprocesses only the parent's\n"
    HELP_PSTATS_AND_PLUGINS;

static const char replay_help[] =
    "\nOutput options:\n"
    HELP_FORMATS
    "  --format NAME         generate the output of any installed format (see below)\n"
    "  -o, --output OUTPUT   output path (default: stdout for pstats text, else FORMAT_PID.EXT)\n"
    "  --browser             open an HTML report (flamegraph, heatmap) in the browser when it is written\n"
    "                        ($BROWSER, else xdg-open)\n"
    HELP_PSTATS_AND_PLUGINS;

void cli_print_help(FILE *out, enum cli_command cmd, const struct plugin_registry *reg)
{
    cli_print_usage(out, cmd);
    switch (cmd) {
    case CMD_RUN:
        fprintf(out, "\nRun and profile a Python script or module.\n\n"
                     "positional arguments:\n"
                     "  target                script file or module name to profile\n"
                     "  args                  arguments to pass to the script or module\n\n"
                     "options:\n"
                     "  -h, --help            show this help message and exit\n"
                     "  -m, --module          run target as a module (like python -m)\n"
                     "  --live                interactive TUI profiler (top-like interface, press 'q' to quit)\n"
                     "  --python PATH         interpreter to run the target with (default: python3 on PATH)\n");
        fputs(sampling_help, out);
        print_formats(out, reg);
        fprintf(out, "\nExamples:\n"
                     "  tachyon run script.py arg1 arg2\n"
                     "  tachyon run -m mymodule arg1 arg2\n"
                     "  tachyon run --flamegraph -o output.html script.py\n"
                     "  tachyon run -r 5khz -d 30 script.py\n"
                     "  tachyon run --live script.py\n");
        break;
    case CMD_ATTACH:
        fprintf(out, "\nAttach to a running Python process and profile it.\n\n"
                     "positional arguments:\n"
                     "  pid                   process ID to attach to\n\n"
                     "options:\n"
                     "  -h, --help            show this help message and exit\n"
                     "  --live                interactive TUI profiler (top-like interface, press 'q' to quit)\n");
        fputs(sampling_help, out);
        print_formats(out, reg);
        fprintf(out, "\nExamples:\n"
                     "  tachyon attach -a --sort tottime 1234\n"
                     "  tachyon attach --flamegraph -d 30 -o profile.html 1234\n"
                     "  tachyon attach --live 1234\n"
                     "\nAttaching needs permission to read the target's memory: run as root, grant\n"
                     "CAP_SYS_PTRACE, or allow same-user attaching with\n"
                     "  echo 0 | sudo tee /proc/sys/kernel/yama/ptrace_scope\n");
        break;
    case CMD_REPLAY:
        fprintf(out, "\nReplay a binary profile (written by --binary, by tachyon or by CPython's\n"
                     "profiling.sampling) into any output format, as if it were being recorded now.\n\n"
                     "positional arguments:\n"
                     "  input_file            binary profile to replay\n\n"
                     "options:\n"
                     "  -h, --help            show this help message and exit\n");
        fputs(replay_help, out);
        print_formats(out, reg);
        fprintf(out, "\nExamples:\n"
                     "  tachyon replay profile.bin\n"
                     "  tachyon replay --flamegraph -o profile.html profile.bin\n");
        break;
    case CMD_PLUGINS:
        fprintf(out, "\nList every collector plugin found, with its path, version, plugin ABI and formats,\n"
                     "and every file that was rejected, with the reason.\n");
        break;
    case CMD_CONFIG:
        fprintf(out, "\nPrint the effective value of every configuration key and where it came from.\n");
        break;
    default:
        fprintf(out, "\nSample a Python process's stack frames and generate profiling data.\n"
                     "Supports CPython 3.11 to 3.15 (GIL builds, release and debug).\n\n"
                     "commands:\n"
                     "  run        run and profile a script or module\n"
                     "  attach     attach to and profile a running process\n"
                     "  dump       dump a running process's current Python stacks\n"
                     "  replay     replay a binary profile into another output format\n"
                     "  plugins    list the output plugins found\n"
                     "  config     show the effective configuration\n\n"
                     "Examples:\n"
                     "  tachyon run script.py arg1 arg2\n"
                     "  tachyon attach 1234\n"
                     "  tachyon dump -a 1234\n\n"
                     "Use `tachyon <command> --help` for command-specific help.\n");
        break;
    }
}
