/* `tachyon run`: check that the script or module exists, start it under
 * the chosen interpreter with stdio passed through, and profile it from
 * the moment the interpreter runs Python code. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../common/err.h"
#include "../proc/oldpython.h"
#include "cli.h"

/* A module is checked with the target interpreter itself, the way
 * upstream checks it (importlib.util.find_spec with the current
 * directory on sys.path), because only that interpreter knows its path. */
static const char module_probe[] =
    "import importlib.util, sys\n"
    "sys.path.insert(0, '')\n"
    "try:\n"
    "    found = importlib.util.find_spec(sys.argv[1]) is not None\n"
    "except Exception:\n"
    "    found = False\n"
    "sys.exit(0 if found else 3)\n";

/* Start argv with stdio inherited, or with stdout and stderr on /dev/null
 * (quiet), or, for the live view (err_fd >= 0), with stdin and stdout on
 * /dev/null and stderr into err_fd. An exec failure travels back through a
 * close-on-exec pipe so the parent can report it instead of a bare exit. */
static int spawn(char *const argv[], int quiet, int err_fd, pid_t *pid_out)
{
    int pipefd[2], err = 0, rc = 0;
    ssize_t n;
    pid_t pid;

    if (pipe2(pipefd, O_CLOEXEC) < 0)
        return diag_set(ERR_IO, "cannot create a pipe: %s", strerror(errno));
    pid = fork();
    if (pid < 0) {
        rc = diag_set(ERR_IO, "cannot start %s: %s", argv[0], strerror(errno));
        close(pipefd[0]);
        close(pipefd[1]);
        return rc;
    }
    if (pid == 0) {
        close(pipefd[0]);
        /* The target belongs to this profiling run: if tachyon is killed
         * outright, do not leave it running unobserved. */
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (quiet || err_fd >= 0) {
            int devnull = open("/dev/null", O_RDWR);
            if (devnull >= 0) {
                dup2(devnull, 1);
                if (err_fd >= 0)
                    dup2(devnull, 0);
                else
                    dup2(devnull, 2);
            }
            if (err_fd >= 0)
                dup2(err_fd, 2);
        }
        execvp(argv[0], argv);
        err = errno;
        if (write(pipefd[1], &err, sizeof err) < 0)
            _exit(127);
        _exit(127);
    }
    close(pipefd[1]);
    do
        n = read(pipefd[0], &err, sizeof err);
    while (n < 0 && errno == EINTR);
    close(pipefd[0]);
    if (n == (ssize_t)sizeof err) {
        waitpid(pid, NULL, 0);
        return diag_set(ERR_IO, "cannot run %s: %s", argv[0], strerror(err));
    }
    *pid_out = pid;
    return 0;
}

static int module_exists(const char *python, const char *module, int *exists)
{
    char *argv[] = { (char *)python, (char *)"-c", (char *)module_probe, (char *)module, NULL };
    pid_t pid;
    int status, rc;

    rc = spawn(argv, 1, -1, &pid);
    if (rc)
        return rc;
    if (waitpid(pid, &status, 0) != pid)
        return diag_set(ERR_IO, "cannot check module %s: %s", module, strerror(errno));
    *exists = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    if (WIFEXITED(status) && WEXITSTATUS(status) != 0 && WEXITSTATUS(status) != 3)
        return diag_set(ERR_IO, "cannot check module %s with %s (exit status %d)", module, python,
                        WEXITSTATUS(status));
    return 0;
}

static void replay_stderr(FILE *f)
{
    char buf[4096];
    size_t n;
    fflush(stderr);
    rewind(f);
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        fwrite(buf, 1, n, stderr);
    fflush(stderr);
}

int cli_run(struct cli_opts *o, const struct plugin_registry *reg)
{
    FILE *err_file = NULL;
    const char *python = o->s.python ? o->s.python : "python3";
    const char *target = o->target_argv[0];
    char **argv = NULL;
    struct stat st;
    int i, n = 0, rc, exists = 0, exit_code = EXIT_FAIL;
    pid_t pid;

    /* An interpreter too old to profile is named from its file at once,
     * rather than started and waited for. */
    {
        char exe[4096], version[32];
        if (oldpython_resolve(python, exe, sizeof exe) == 0 && oldpython_probe(exe, version, sizeof version)) {
            fprintf(stderr, "Error: unsupported Python version %s: %s (tachyon profiles CPython 3.11 and "
                            "later)\n", version, exe);
            goto out;
        }
    }
    if (o->module) {
        rc = module_exists(python, target, &exists);
        if (rc) {
            fprintf(stderr, "Error: %s\n", diag_message());
            goto out;
        }
        if (!exists) {
            fprintf(stderr, "Error: Module '%s' not found.\n", target);
            goto out;
        }
    } else if (stat(target, &st) != 0) {
        fprintf(stderr, "Error: Script '%s' not found.\n", target);
        goto out;
    }

    argv = calloc((size_t)o->target_argc + 3, sizeof *argv);
    if (!argv)
        goto out;
    argv[n++] = (char *)python;
    if (o->module)
        argv[n++] = (char *)"-m";
    for (i = 0; i < o->target_argc; i++)
        argv[n++] = o->target_argv[i];
    argv[n] = NULL;

    /* The live view owns the terminal: like upstream, the target's stdin
     * and stdout go to /dev/null and its stderr is kept (in an unlinked
     * file, which never blocks the target the way a full pipe would) and
     * shown once the view has closed. */
    if (o->live) {
        err_file = tmpfile();
        if (!err_file) {
            fprintf(stderr, "Error: cannot create a file for the target's stderr: %s\n", strerror(errno));
            goto out;
        }
    }
    rc = spawn(argv, 0, err_file ? fileno(err_file) : -1, &pid);
    if (rc) {
        fprintf(stderr, "Error: %s\n", diag_message());
        goto out;
    }
    exit_code = cli_profile(o, reg, pid, 1);
    if (err_file)
        replay_stderr(err_file);
out:
    if (err_file)
        fclose(err_file);
    free(argv);
    return exit_code;
}
