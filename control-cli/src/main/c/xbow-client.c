/*
 * xbow-client: bin/xl, bin/dladm and the router's tools (ipadm, route, routeadm, netstat, arp, dhcpadm, ipnat) without a JVM. A JVM start costs more than the daemon's work for a command,
 * so this sends the command line and the working directory to the daemon (POST /v1/cli/{xl|dladm} on its Unix
 * socket), which runs the same command code in-process, and prints what comes back:
 *
 *   request body   cwd \0 arg1 \0 arg2 \0 ...          (every string NUL-terminated)
 *   response       200, X-Xbow-Exit: status, X-Xbow-Stdout: n, body = n bytes of stdout, then stderr
 *                  or X-Xbow-Run-In-Client: reason     (the daemon will not run it: the JVM client does)
 *
 * Usage: xbow-client [--socket PATH] {xl|dladm|ipadm|route|routeadm|netstat|arp|dhcpadm|ipnat} ARGS...  The socket is found as the JVM client finds it
 * (io.xbow.control.daemon.Paths). When the daemon sends the command back, or has no such route, this runs
 * $XBOW_LAUNCHER (bin/xbow) with XBOW_JAVA_CLIENT=1 and the same arguments.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

/* As the JVM client: a 50 s xl ping fits. */
#define ANSWER_TIMEOUT_MS 60000
/* A larger answer is not one a command prints. */
#define MAX_ANSWER (64u << 20)

static const char *program = "xbow";

/* Bytes that grow: the request, then the answer. */
struct buffer
{
    char *data;
    size_t length;
    size_t capacity;
};

static void fail(int status, const char *format, const char *a, const char *b)
{
    fprintf(stderr, "%s: ", program);
    fprintf(stderr, format, a, b);
    fputc('\n', stderr);
    exit(status);
}

static void append(struct buffer *b, const void *bytes, size_t length)
{
    if (b->length + length > b->capacity)
    {
        size_t capacity = b->capacity == 0 ? 4096 : b->capacity;
        while (capacity < b->length + length)
        {
            capacity *= 2;
        }
        char *data = realloc(b->data, capacity);
        if (data == NULL)
        {
            fail(1, "out of memory%s%s", "", "");
        }
        b->data = data;
        b->capacity = capacity;
    }
    memcpy(b->data + b->length, bytes, length);
    b->length += length;
}

static void write_all(int fd, const char *bytes, size_t length)
{
    while (length > 0)
    {
        ssize_t n = write(fd, bytes, length);
        if (n < 0 && errno == EINTR)
        {
            continue;
        }
        if (n <= 0)
        {
            return; /* a closed pipe: nothing more to say */
        }
        bytes += n;
        length -= (size_t)n;
    }
}

/* The socket as io.xbow.control.daemon.Paths chooses it. */
static const char *socket_path(const char *option, char *room, size_t size)
{
    if (option != NULL)
    {
        return option;
    }
    const char *env = getenv("XBOW_SOCKET");
    if (env != NULL && strspn(env, " \t\n") < strlen(env))
    {
        return env;
    }
    const struct passwd *user = getpwuid(getuid());
    const char *name = user != NULL ? user->pw_name : "";
    if (strcmp(name, "root") == 0)
    {
        return "/run/xbow/xbowd.sock";
    }
    const char *runtime = getenv("XDG_RUNTIME_DIR");
    if (runtime != NULL && strspn(runtime, " \t\n") < strlen(runtime))
    {
        snprintf(room, size, "%s/xbow/xbowd.sock", runtime);
    }
    else
    {
        snprintf(room, size, "/tmp/xbow-%s/xbow/xbowd.sock", name);
    }
    return room;
}

/* Hand the command to the JVM client, which can run everything. */
static void run_in_jvm(char **argv, const char *reason)
{
    const char *launcher = getenv("XBOW_LAUNCHER");
    if (launcher == NULL || launcher[0] == '\0')
    {
        fail(2, "%s: run it with bin/xbow%s", reason, "");
    }
    setenv("XBOW_JAVA_CLIENT", "1", 1);
    argv[0] = (char *)launcher;
    execv(launcher, argv);
    fail(1, "cannot run %s: %s", launcher, strerror(errno));
}

static long long now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* The value of a header in the head (case-insensitive name), or NULL; the head is NUL-terminated. */
static const char *header(const char *head, const char *name)
{
    size_t length = strlen(name);
    for (const char *line = strstr(head, "\r\n"); line != NULL; line = strstr(line + 2, "\r\n"))
    {
        if (strncasecmp(line + 2, name, length) == 0 && line[2 + length] == ':')
        {
            const char *value = line + 3 + length;
            while (*value == ' ')
            {
                value++;
            }
            return value;
        }
    }
    return NULL;
}

/* The programs the daemon runs command lines of (InDaemonCli.PROGRAMS). */
static int daemon_runs(const char *program)
{
    static const char *const programs[] = {"xl", "dladm", "ipadm", "route", "routeadm", "netstat", "arp", "dhcpadm", "ipnat"};
    for (size_t p = 0; p < sizeof(programs) / sizeof(programs[0]); p++)
    {
        if (strcmp(program, programs[p]) == 0)
        {
            return 1;
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    const char *option = NULL;
    int i = 1;
    while (i < argc && strncmp(argv[i], "--socket", 8) == 0)
    {
        const char *equals = strchr(argv[i], '=');
        if (equals != NULL)
        {
            option = equals + 1;
            i++;
        }
        else if (i + 1 < argc)
        {
            option = argv[i + 1];
            i += 2;
        }
        else
        {
            fail(2, "--socket needs a path%s%s", "", "");
        }
    }
    if (i >= argc || !daemon_runs(argv[i]))
    {
        run_in_jvm(argv, "the native client runs xl, dladm and the router's tools only");
    }
    program = argv[i];
    /* Help needs no daemon: the JVM client prints it even when none runs. */
    if (i + 1 >= argc || strcmp(argv[i + 1], "help") == 0)
    {
        run_in_jvm(argv, "help is printed by the JVM client");
    }
    for (int a = i + 1; a < argc; a++)
    {
        if (strcmp(argv[a], "-h") == 0 || strcmp(argv[a], "--help") == 0 || strcmp(argv[a], "-?") == 0)
        {
            run_in_jvm(argv, "help is printed by the JVM client");
        }
    }

    char room[4096];
    const char *path = socket_path(option, room, sizeof(room));
    char cwd[4096];
    if (getcwd(cwd, sizeof(cwd)) == NULL)
    {
        run_in_jvm(argv, "cannot tell the working directory");
    }

    struct buffer body = {0};
    append(&body, cwd, strlen(cwd) + 1);
    for (int a = i + 1; a < argc; a++)
    {
        append(&body, argv[a], strlen(argv[a]) + 1);
    }
    char head[256];
    int head_length = snprintf(head, sizeof(head), "POST /v1/cli/%s HTTP/1.1\r\nHost: xbowd\r\n"
        "Content-Type: application/octet-stream\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n",
        program, body.length);
    struct buffer request = {0};
    append(&request, head, (size_t)head_length);
    append(&request, body.data, body.length);

    struct sockaddr_un address = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof(address.sun_path))
    {
        fail(1, "cannot connect to xbowd at %s: %s", path, "the socket path is too long");
    }
    strcpy(address.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
    {
        fail(1, "cannot open a Unix domain socket: %s%s", strerror(errno), "");
    }
    if (connect(fd, (struct sockaddr *)&address, sizeof(address)) != 0)
    {
        if (errno == EACCES || errno == EPERM)
        {
            fail(1, "cannot connect to xbowd at %s: %s", path, "permission denied (root or the xbow group only)");
        }
        if (errno == ENOENT || errno == ECONNREFUSED)
        {
            fail(1, "cannot connect to xbowd at %s: %s", path, "is the daemon running? (xbow daemon)");
        }
        fail(1, "cannot connect to xbowd at %s: %s", path, strerror(errno));
    }
    for (size_t sent = 0; sent < request.length;)
    {
        ssize_t n = send(fd, request.data + sent, request.length - sent, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
        {
            continue;
        }
        if (n < 0)
        {
            fail(1, "lost the connection to xbowd at %s: %s", path, strerror(errno));
        }
        sent += (size_t)n;
    }

    /* The request says Connection: close: the answer ends where the stream does. */
    struct buffer answer = {0};
    long long deadline = now_ms() + ANSWER_TIMEOUT_MS;
    for (;;)
    {
        long long left = deadline - now_ms();
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (left <= 0 || (poll(&p, 1, (int)left) == 0))
        {
            char seconds[16];
            snprintf(seconds, sizeof(seconds), "%d", ANSWER_TIMEOUT_MS / 1000);
            fail(1, "no answer from xbowd at %s within %s s", path, seconds);
        }
        char chunk[65536];
        ssize_t n = read(fd, chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR)
        {
            continue;
        }
        if (n < 0)
        {
            fail(1, "lost the connection to xbowd at %s: %s", path, strerror(errno));
        }
        if (n == 0)
        {
            break;
        }
        if (answer.length + (size_t)n > MAX_ANSWER)
        {
            fail(1, "the answer from xbowd at %s is too long%s", path, "");
        }
        append(&answer, chunk, (size_t)n);
    }
    close(fd);
    append(&answer, "", 1); /* the head can be read as a string */

    char *end = strstr(answer.data, "\r\n\r\n");
    int status = 0;
    if (end == NULL || sscanf(answer.data, "HTTP/1.%*d %d", &status) != 1)
    {
        fail(1, "xbowd closed the connection without an answer%s%s", "", "");
    }
    *end = '\0';
    const char *content = end + 4;
    size_t content_length = answer.length - 1 - (size_t)(content - answer.data);
    const char *declared = header(answer.data, "Content-Length");
    if (declared != NULL && strtoull(declared, NULL, 10) < content_length)
    {
        content_length = strtoull(declared, NULL, 10);
    }
    if (status == 404)
    {
        run_in_jvm(argv, "this xbowd runs no command lines"); /* an older daemon */
    }
    const char *reason = header(answer.data, "X-Xbow-Run-In-Client");
    if (status == 200 && reason != NULL)
    {
        run_in_jvm(argv, "the daemon will not run it");
    }
    const char *exit_status = header(answer.data, "X-Xbow-Exit");
    const char *stdout_length = header(answer.data, "X-Xbow-Stdout");
    if (status != 200 || exit_status == NULL || stdout_length == NULL)
    {
        char code[16];
        snprintf(code, sizeof(code), "%d", status);
        fail(1, "unreadable answer from xbowd (%s)%s", code, "");
    }
    size_t out = strtoull(stdout_length, NULL, 10);
    if (out > content_length)
    {
        out = content_length;
    }
    write_all(STDOUT_FILENO, content, out);
    write_all(STDERR_FILENO, content + out, content_length - out);
    return atoi(exit_status);
}
