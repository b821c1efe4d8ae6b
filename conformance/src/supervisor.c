/*
 * The supervisor: runs the worker in a child process and turns the ways a
 * misuse trace can end the process into the protocol's `fault` line.
 *
 * The worker inherits stdin (the protocol) and writes JSON lines to a pipe,
 * which the supervisor forwards to stdout. Its stderr goes through another
 * pipe: the supervisor forwards it to its own stderr and reads the markers
 * (`@@step LINE CALL` before each statement) and ASan's report from it.
 *
 * A step is active from its marker until its JSON line arrives (the n-th
 * marker belongs to the n-th JSON line). While a step is active a watchdog
 * runs: libssl 3.0.19 loops forever when a flush walks a destroyed cache entry
 * (the zeroed entry is never unlinked), and that loop also grows a stack of
 * pointers, so the watchdog watches both the time and the worker's memory.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

typedef struct {
    int fd;
    Str pending;            /* bytes after the last newline */
    int eof;
    int whole_lines;        /* a last line without its newline was cut off: drop it */
} Stream;

typedef struct {
    pid_t pid;
    double step_timeout;
    long max_rss_mb;
    long markers, results;  /* statements started, JSON lines received */
    char step_line[32];
    char step_call[128];
    double step_started;
    int ready, ended, killed_for;   /* killed_for: 0, 'T' time, 'M' memory */
    int verbose;            /* forward the markers to stderr too */
    int exiting;            /* the worker printed @@end: the rest is LeakSanitizer */
    Str report;             /* stderr since the current step's marker */
    Str end_line;           /* the worker's end line, completed after exit */
    Str live;               /* "@@live ID ADDR" lines after the end */
    Str exit_report;        /* stderr after the end (LeakSanitizer) */
    double rss_seen_mb;
} Sup;

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void on_result_line(Sup *s, const char *line)
{
    if (strncmp(line, "{\"end\":true", 11) == 0) {
        str_reset(&s->end_line);
        str_addf(&s->end_line, "%s", line);
        s->ended = 1;
        return;
    }
    /*
     * Forwarding blocks while our reader is busy (a campaign runs the model of
     * a long trace between reads): that time is ours, not the worker's, so the
     * current step's watchdog does not count it.
     */
    double started = now_seconds();
    fputs(line, stdout);
    fputc('\n', stdout);
    fflush(stdout);
    s->step_started += now_seconds() - started;
    s->results++;
}

static void on_stderr_line(Sup *s, const char *line)
{
    /*
     * Forward what a human needs (ASan reports, notes, errors). The markers
     * are the supervisor's business: a parent that never reads our stderr
     * must not fill the pipe and stall the run (HARNESS_VERBOSE=1 shows them).
     */
    int marker = strncmp(line, "@@step ", 7) == 0 || strncmp(line, "@@live ", 7) == 0
                 || strcmp(line, "@@ready") == 0 || strcmp(line, "@@end") == 0;
    if (!marker || s->verbose) {
        fputs(line, stderr);
        fputc('\n', stderr);
    }
    if (strncmp(line, "@@step ", 7) == 0) {
        s->markers++;
        s->step_line[0] = s->step_call[0] = '\0';
        sscanf(line + 7, "%31s %127s", s->step_line, s->step_call);
        s->step_started = now_seconds();
        str_reset(&s->report);
        return;
    }
    if (strcmp(line, "@@ready") == 0) {
        s->ready = 1;
        return;
    }
    if (strncmp(line, "@@live ", 7) == 0) {
        str_addf(&s->live, "%s\n", line + 7);
        return;
    }
    if (strcmp(line, "@@end") == 0) {
        s->exiting = 1;
        return;
    }
    str_addf(s->exiting ? &s->exit_report : &s->report, "%s\n", line);
}

/* Reads what is available; hands complete lines to the handler. */
static void pump(Sup *s, Stream *st, void (*handle)(Sup *, const char *))
{
    char buf[65536];
    ssize_t n = read(st->fd, buf, sizeof(buf));
    size_t start = 0;

    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return;
    if (n <= 0) {
        /* A worker killed while writing a result leaves half a JSON line, which is no result. */
        if (st->pending.len > 0 && !st->whole_lines) {
            handle(s, st->pending.buf);
            str_reset(&st->pending);
        }
        st->eof = 1;
        return;
    }
    for (ssize_t i = 0; i < n; i++) {
        if (buf[i] != '\n')
            continue;
        str_addf(&st->pending, "%.*s", (int)(i - (ssize_t)start), buf + start);
        handle(s, st->pending.buf ? st->pending.buf : "");
        str_reset(&st->pending);
        start = (size_t)i + 1;
    }
    if ((ssize_t)start < n)
        str_addf(&st->pending, "%.*s", (int)(n - (ssize_t)start), buf + start);
}

static double rss_mb(pid_t pid)
{
    char path[64];
    long pages = 0, resident = 0;
    FILE *f;

    snprintf(path, sizeof(path), "/proc/%d/statm", (int)pid);
    f = fopen(path, "r");
    if (f == NULL)
        return 0;
    if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
        resident = 0;
    fclose(f);
    return (double)resident * (double)sysconf(_SC_PAGESIZE) / (1024.0 * 1024.0);
}

static void watchdog(Sup *s)
{
    double rss;

    if (s->killed_for || s->markers <= s->results)
        return;
    rss = rss_mb(s->pid);
    if (rss > s->rss_seen_mb)
        s->rss_seen_mb = rss;
    if (now_seconds() - s->step_started > s->step_timeout)
        s->killed_for = 'T';
    else if (rss > (double)s->max_rss_mb)
        s->killed_for = 'M';
    if (s->killed_for)
        kill(s->pid, SIGKILL);
}

/* ---- classifying the end of the worker ---------------------------------- */

static const char *find_line(const char *text, const char *needle)
{
    const char *p = strstr(text, needle);

    if (p == NULL)
        return NULL;
    while (p > text && p[-1] != '\n')
        p--;
    return p;
}

static const char *asan_kind(const char *report)
{
    static const char *const crashes[] = {"AddressSanitizer: SEGV", "AddressSanitizer: BUS",
                                          "AddressSanitizer: FPE", "AddressSanitizer: ILL",
                                          "AddressSanitizer: ABRT", "AddressSanitizer: stack-overflow"};

    if (strstr(report, "AddressSanitizer: heap-use-after-free"))
        return "use-after-free";
    if (strstr(report, "AddressSanitizer: attempting double-free"))
        return "double-free";
    for (size_t i = 0; i < sizeof(crashes) / sizeof(crashes[0]); i++)
        if (strstr(report, crashes[i]))
            return "crash";
    return "heap-corruption";
}

/* Appends the line starting at p, without its newline. */
static void copy_line(Str *d, const char *p)
{
    const char *end = strchr(p, '\n');

    if (end == NULL)
        end = p + strlen(p);
    str_addf(d, "%.*s", (int)(end - p), p);
}

/* Appends the line starting at p without ASan's "==PID==ERROR: " prefix and
 * without its register dump (" at pc 0x...", " (pc 0x...)") or " in thread T0:". */
static void add_line(Str *d, const char *p)
{
    static const char *const tails[] = {" at pc 0x", " in thread T", " (pc 0x"};
    const char *end = strchr(p, '\n');
    const char *err = strstr(p, "ERROR: ");

    if (end == NULL)
        end = p + strlen(p);
    if (err != NULL && err < end)
        p = err + 7;
    for (size_t i = 0; i < sizeof(tails) / sizeof(tails[0]); i++) {
        const char *t = strstr(p, tails[i]);
        if (t != NULL && t < end)
            end = t;
    }
    str_addf(d, "%.*s", (int)(end - p), p);
}

/* The name of the frame on the line at p: "SSL_free", or "libssl.so.3+0x3fdd5". */
static int frame_name(const char *p, const char *nl, const char **name, int *len)
{
    const char *in = strstr(p, " in "), *paren = strstr(p, " (");
    const char *e;

    if (in != NULL && in < nl) {
        *name = in + 4;
    } else if (paren != NULL && paren < nl) {
        *name = paren + 2;
        for (const char *q = *name; q < nl && *q != ')'; q++)
            if (*q == '/')
                *name = q + 1;
    } else {
        return 0;
    }
    for (e = *name; e < nl && *e != ' ' && *e != ')'; e++)
        continue;
    *len = (int)(e - *name);
    return 1;
}

/* The first few frames of the stack starting at p: " at f1 < f2 < f3". */
static void add_frames(Str *d, const char *p, const char *label, int max)
{
    int n = 0;

    while (n < max && (p = strstr(p, "    #")) != NULL) {
        const char *nl = strchr(p, '\n'), *name;
        int len;
        if (nl == NULL)
            nl = p + strlen(p);
        if (frame_name(p, nl, &name, &len)) {
            /* ASan's interceptors and the allocator wrappers say nothing. */
            int noise = strncmp(name, "__interceptor_", 14) == 0 || strncmp(name, "h_", 2) == 0
                        || strncmp(name, "CRYPTO_", 7) == 0 || strncmp(name, "__sanitizer", 11) == 0;
            if (!noise) {
                str_addf(d, "%s%.*s", n ? " < " : label, len, name);
                n++;
            }
        }
        if (*nl == '\0' || nl[1] != ' ')   /* a blank line ends the stack */
            break;
        p = nl + 1;
    }
}

static void print_fault(Sup *s, const char *kind, const Str *detail)
{
    Str out = {0};

    str_addf(&out, "{\"line\":%s,\"call\":", s->step_line[0] ? s->step_line : "null");
    str_add_json_string(&out, s->step_call);
    str_addf(&out, ",\"fault\":{\"kind\":\"%s\",\"detail\":", kind);
    str_add_json_string(&out, detail->buf ? detail->buf : "");
    str_addf(&out, "}}\n");
    fputs(out.buf, stdout);
    fflush(stdout);
    free(out.buf);
}

static void report_fault(Sup *s, int status)
{
    const char *report = s->report.buf ? s->report.buf : "";
    const char *err = find_line(report, "ERROR: AddressSanitizer");
    const char *obj = find_line(report, "@@object ");
    Str detail = {0};
    const char *kind;

    if (s->killed_for) {
        kind = "hang";
        if (s->killed_for == 'T')
            str_addf(&detail, "no result after %.1f s (worker RSS %.0f MB): watchdog killed the worker",
                     s->step_timeout, s->rss_seen_mb);
        else
            str_addf(&detail, "memory grew past %ld MB without the step finishing: watchdog killed the worker",
                     s->max_rss_mb);
    } else if (err != NULL) {
        kind = asan_kind(err);
        add_line(&detail, err);
        if (obj != NULL) {
            str_addf(&detail, " [");
            add_line(&detail, obj + 9);
            str_addf(&detail, "]");
        }
        add_frames(&detail, err, " at ", 5);
        const char *freed = strstr(err, "freed by thread");
        if (freed != NULL)
            add_frames(&detail, freed, "; freed at ", 4);
    } else if (find_line(report, "double free or corruption") || find_line(report, "free(): ")
               || find_line(report, "malloc(): ") || find_line(report, "corrupted ")) {
        kind = "heap-corruption";
        add_line(&detail, find_line(report, "double free or corruption") ? find_line(report, "double free or corruption")
                          : find_line(report, "free(): ")   ? find_line(report, "free(): ")
                          : find_line(report, "malloc(): ") ? find_line(report, "malloc(): ")
                                                            : find_line(report, "corrupted "));
    } else if (WIFSIGNALED(status)) {
        kind = "crash";
        str_addf(&detail, "killed by signal %d (%s)", WTERMSIG(status), strsignal(WTERMSIG(status)));
    } else {
        kind = "crash";
        str_addf(&detail, "the worker exited with status %d during the step", WEXITSTATUS(status));
    }
    print_fault(s, kind, &detail);
    free(detail.buf);
}

/* The worker refused the statement (a protocol error, not a libssl fault). */
static void print_harness_error(Sup *s, const char *message)
{
    Str out = {0}, msg = {0};

    copy_line(&msg, strncmp(message, "harness: ", 9) == 0 ? message + 9 : message);
    str_addf(&out, "{\"line\":%s,\"call\":", s->step_line);
    str_add_json_string(&out, s->step_call);
    str_addf(&out, ",\"error\":");
    str_add_json_string(&out, msg.buf);
    str_addf(&out, "}\n");
    fputs(out.buf, stdout);
    fflush(stdout);
    free(out.buf);
    free(msg.buf);
}

/*
 * The end line: the worker's own accounting (sessions never destroyed) plus
 * any session LeakSanitizer reports (normally a subset: it only sees blocks
 * nothing points to).
 */
static void print_end(Sup *s)
{
    const char *lsan = s->exit_report.buf ? s->exit_report.buf : "";
    Str confirmed = {0};

    if (strstr(lsan, "LeakSanitizer") != NULL && s->live.buf != NULL) {
        char *copy = xstrdup(s->live.buf);
        for (char *l = strtok(copy, "\n"); l != NULL; l = strtok(NULL, "\n")) {
            char id[64], addr[64];
            if (sscanf(l, "%63s %63s", id, addr) == 2 && strstr(lsan, addr) != NULL)
                str_addf(&confirmed, " %s", id);
        }
        free(copy);
        fprintf(stderr, "@@note LeakSanitizer reported leaks; sessions among them:%s\n",
                confirmed.len ? confirmed.buf : " none");
    }
    fputs(s->end_line.buf, stdout);
    fputc('\n', stdout);
    fflush(stdout);
    free(confirmed.buf);
}

static void sup_free(Sup *s, Stream *a, Stream *b)
{
    free(s->report.buf);
    free(s->end_line.buf);
    free(s->live.buf);
    free(s->exit_report.buf);
    free(a->pending.buf);
    free(b->pending.buf);
}

/* Reports how the worker ended; returns the supervisor's exit status. */
static int conclude(Sup *s, int status);

int supervisor_main(double step_timeout, long max_rss_mb)
{
    int out[2], err[2], status = 0;
    Sup s = {0};
    Stream so = {0}, se = {0};

    if (pipe(out) != 0 || pipe(err) != 0)
        die("pipe failed");
    fflush(NULL);
    s.pid = fork();
    if (s.pid < 0)
        die("fork failed");
    if (s.pid == 0) {
        char *args[] = {"harness", "--worker", NULL};
        dup2(out[1], STDOUT_FILENO);
        dup2(err[1], STDERR_FILENO);
        close(out[0]);
        close(out[1]);
        close(err[0]);
        close(err[1]);
        execv("/proc/self/exe", args);
        perror("harness: execv /proc/self/exe");
        _exit(2);
    }
    close(out[1]);
    close(err[1]);
    signal(SIGPIPE, SIG_IGN);
    so.fd = out[0];
    so.whole_lines = 1;
    se.fd = err[0];
    s.step_timeout = step_timeout;
    s.verbose = getenv("HARNESS_VERBOSE") != NULL && *getenv("HARNESS_VERBOSE") == '1';
    s.max_rss_mb = max_rss_mb;
    double started = now_seconds();

    while (!so.eof || !se.eof) {
        struct pollfd fds[2] = {{so.eof ? -1 : so.fd, POLLIN, 0}, {se.eof ? -1 : se.fd, POLLIN, 0}};
        int r = poll(fds, 2, 100);
        if (r < 0 && errno != EINTR)
            die("poll failed");
        /* stderr first: a step's marker precedes its result. */
        if (fds[1].revents)
            pump(&s, &se, on_stderr_line);
        if (fds[0].revents)
            pump(&s, &so, on_result_line);
        watchdog(&s);
        if (!s.ready && !s.killed_for && now_seconds() - started > 120) {
            kill(s.pid, SIGKILL);
            die("the worker did not finish its start-up calibration in 120 s");
        }
    }
    fflush(stderr);
    if (waitpid(s.pid, &status, 0) != s.pid)
        die("waitpid failed");
    int rc = conclude(&s, status);
    sup_free(&s, &so, &se);
    return rc;
}

static int conclude(Sup *s, int status)
{
    if (s->ended) {
        print_end(s);
        return 0;
    }
    if (s->markers > s->results) {
        const char *harness_error = find_line(s->report.buf ? s->report.buf : "", "harness: ");
        if (!s->killed_for && WIFEXITED(status) && WEXITSTATUS(status) == 2 && harness_error) {
            print_harness_error(s, harness_error);
            return 2;
        }
        report_fault(s, status);
        return 0;
    }
    fprintf(stderr, "harness: the worker ended outside any statement (status 0x%x)\n", status);
    return 2;
}
