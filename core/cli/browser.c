/* --browser: open an HTML report in the user's browser once it is written.
 *
 * As Python's webbrowser module does: each command of $BROWSER (separated
 * by ':', "%s" replaced by the URL or the URL appended) is tried in turn,
 * then xdg-open. The browser is started detached (its own session, stdin
 * from /dev/null) and not waited for; only a failure to start it at all is
 * reported, as a warning, since the report itself is already written. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"

#define MAX_ARGS 32

/* Formats whose output is an HTML report (a directory holds index.html). */
static int is_html_report(const char *format, const char *path)
{
    static const char *const html_formats[] = { "flamegraph", "heatmap", "diff_flamegraph", "diff-flamegraph", NULL };
    size_t i, n = strlen(path);
    for (i = 0; html_formats[i]; i++)
        if (format && strcmp(format, html_formats[i]) == 0)
            return 1;
    return (n > 5 && strcmp(path + n - 5, ".html") == 0) || (n > 4 && strcmp(path + n - 4, ".htm") == 0);
}

/* Start argv detached. 0 when it was executed, -1 (errno in *err) if not. */
static int launch(char *const argv[], int *err)
{
    int pipefd[2], status;
    ssize_t n;
    pid_t mid;

    *err = 0;
    if (pipe2(pipefd, O_CLOEXEC) < 0) {
        *err = errno;
        return -1;
    }
    mid = fork();
    if (mid < 0) {
        *err = errno;
        close(pipefd[0]);
        close(pipefd[1]);
        return -1;
    }
    if (mid == 0) {
        /* The intermediate child exits at once so the browser is adopted by
         * init and never becomes our zombie. */
        pid_t b = fork();
        if (b == 0) {
            int devnull = open("/dev/null", O_RDONLY);
            if (devnull >= 0)
                dup2(devnull, 0);
            setsid();
            execvp(argv[0], argv);
            n = write(pipefd[1], &errno, sizeof errno);
            (void)n;
            _exit(127);
        }
        _exit(b < 0 ? 1 : 0);
    }
    close(pipefd[1]);
    while (waitpid(mid, &status, 0) < 0 && errno == EINTR)
        ;
    do
        n = read(pipefd[0], err, sizeof *err);
    while (n < 0 && errno == EINTR);
    close(pipefd[0]);
    if (n == (ssize_t)sizeof *err)
        return -1;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        *err = EAGAIN;
        return -1;
    }
    return 0;
}

/* Split one $BROWSER entry into words, with %s replaced by url (or url
 * appended when there is no %s). Words point into buf. */
static int command_of(char *buf, const char *url, char *argv[])
{
    int argc = 0, has_url = 0;
    char *save = NULL, *w;
    for (w = strtok_r(buf, " \t", &save); w && argc < MAX_ARGS - 2; w = strtok_r(NULL, " \t", &save)) {
        if (strcmp(w, "%s") == 0) {
            argv[argc++] = (char *)url;
            has_url = 1;
        } else {
            argv[argc++] = w;
        }
    }
    if (argc == 0)
        return 0;
    if (!has_url)
        argv[argc++] = (char *)url;
    argv[argc] = NULL;
    return argc;
}

int cli_open_browser(const char *format, const char *path, int directory)
{
    char dir[PATH_MAX];
    char abs[PATH_MAX], target[PATH_MAX + 16], url[PATH_MAX + 32];
    char *argv[MAX_ARGS], *list = NULL, *save = NULL, *entry;
    const char *env = getenv("BROWSER");
    struct stat st;
    int err = ENOENT, opened = 0;

    if (!path || !is_html_report(format, path))
        return 0;
    if (directory) {
        size_t n = strlen(path);
        snprintf(dir, sizeof dir, "%s", path);
        if (n > 5 && n < sizeof dir && strcmp(dir + n - 5, ".html") == 0)
            dir[n - 5] = '\0';
        path = dir;
    }
    if (!realpath(path, abs)) {
        fprintf(stderr, "Warning: Could not open browser: %s: %s\n", path, strerror(errno));
        return 0;
    }
    snprintf(target, sizeof target, "%s", abs);
    if (stat(abs, &st) == 0 && S_ISDIR(st.st_mode)) {
        snprintf(target, sizeof target, "%s/index.html", abs);
        if (access(target, F_OK) != 0) {
            fprintf(stderr, "Warning: Could not find index.html in %s\n", path);
            return 0;
        }
    }
    snprintf(url, sizeof url, "file://%s", target);

    if (env && *env) {
        list = strdup(env);
        if (!list)
            return 0;
        for (entry = strtok_r(list, ":", &save); entry && !opened; entry = strtok_r(NULL, ":", &save)) {
            char word_buf[1024];
            snprintf(word_buf, sizeof word_buf, "%s", entry);
            if (command_of(word_buf, url, argv) && launch(argv, &err) == 0)
                opened = 1;
        }
        free(list);
    }
    if (!opened) {
        char xdg[] = "xdg-open";
        argv[0] = xdg;
        argv[1] = url;
        argv[2] = NULL;
        if (launch(argv, &err) == 0)
            opened = 1;
    }
    if (!opened)
        fprintf(stderr, "Warning: Could not open browser: no browser could be started for %s (%s; set $BROWSER "
                        "or install xdg-open)\n", url, strerror(err));
    return 0;
}
