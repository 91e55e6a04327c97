/* bench/fanout.c: Pub/Sub fan-out load for bench/run.sh.
 *
 * Opens S subscriber connections (default 1,000) and one publisher:
 *   -m channel   every subscriber SUBSCRIBEs to the channel bench:fanout
 *   -m patterns  subscriber i PSUBSCRIBEs to its own pattern bench:*[t<i>]
 *                (1,000 distinct patterns, each of which matches
 *                bench:fanout, so the server walks and matches all of them
 *                on every PUBLISH)
 * Once every subscription is confirmed, the publisher sends N
 * `PUBLISH bench:fanout <payload>` commands, pipelined with at most P
 * unanswered at a time and at most W ahead of the slowest subscriber (so
 * the servers' output buffers stay small: the figure is steady delivery,
 * not buffering). Every PUBLISH reply must be :S. The payload is D bytes:
 * a 10-digit sequence number then 'x's.
 *
 * Subscribers are read by one epoll loop. Every byte is checked: each
 * message must be exactly the expected message / pmessage with the next
 * sequence number, and each subscriber must get exactly N messages. Any
 * mismatch, early close or stall (-t seconds without progress) prints the
 * reason on stderr and exits 1.
 *
 * Prints on stdout: delivered messages per second (N * S / the time from
 * the first PUBLISH sent to the last message received by the last
 * subscriber), the elapsed seconds, the messages delivered, and, with
 * -c PID, the CPU seconds (utime+stime) PID used over that same interval.
 *
 * Plain C11 + POSIX/Linux (epoll); no third-party code. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define CHANNEL "bench:fanout"
#define SEQ_DIGITS 10
#define RBUF (256 * 1024)

struct sub {
    int fd;
    bool confirmed;
    uint64_t got;   /* messages received and checked */
    char *prefix;   /* the message bytes before the payload */
    size_t plen;
    char *confirm;  /* the (p)subscribe confirmation */
    size_t clen;
    char *carry;    /* an incomplete message from the last read */
    size_t carry_len;
};

static const char *host = "127.0.0.1";
static const char *port = "6379";
static bool patterns;
static long nsubs = 1000, nmsgs = 5000, inflight_max = 100, window = 1000, dsize = 16;
static long timeout_s = 30;
static long server_pid;

static struct sub *subs;
static char *trailer;     /* payload after the digits, then CRLF */
static size_t tlen;

static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("fanout: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n);
    if (!p) die("out of memory");
    return p;
}

/* utime+stime of pid in seconds (fields 14 and 15 of /proc/pid/stat). */
static double cpu_seconds(long pid)
{
    char path[64], line[1024];
    snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    size_t n = fread(line, 1, sizeof(line) - 1, f);
    fclose(f);
    line[n] = 0;
    char *p = strrchr(line, ')');
    if (!p) return -1;
    unsigned long ut = 0, st = 0;
    /* after ") ": state is field 3; utime and stime are fields 14 and 15 */
    if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
        return -1;
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static int connect_one(void)
{
    struct addrinfo hints = {0}, *res;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    int rc = getaddrinfo(host, port, &hints, &res);
    if (rc) die("%s:%s: %s", host, port, gai_strerror(rc));
    int fd = socket(res->ai_family, SOCK_STREAM, 0);
    if (fd < 0) die("socket: %s", strerror(errno));
    if (connect(fd, res->ai_addr, res->ai_addrlen) < 0)
        die("connect %s:%s: %s", host, port, strerror(errno));
    freeaddrinfo(res);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return fd;
}

static void write_all(int fd, const char *p, size_t len)
{
    while (len) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == EAGAIN) {
            struct timespec ts = {0, 100000};
            nanosleep(&ts, NULL);
            continue;
        }
        if (n <= 0) die("write: %s", n < 0 ? strerror(errno) : "closed");
        p += n;
        len -= (size_t)n;
    }
}

static void set_nonblock(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) die("fcntl: %s", strerror(errno));
}

/* A RESP bulk string appended at *p. */
static char *put_bulk(char *p, const char *s, size_t len)
{
    p += sprintf(p, "$%zu\r\n", len);
    memcpy(p, s, len);
    p += len;
    *p++ = '\r';
    *p++ = '\n';
    return p;
}

static void pattern_of(long i, char *out) { sprintf(out, "bench:*[t%ld]", i); }

static void setup_sub(struct sub *s, long i)
{
    char pat[64], cmd[256], *p;
    pattern_of(i, pat);
    const char *name = patterns ? pat : CHANNEL;
    size_t nlen = strlen(name);

    /* what to send */
    p = cmd + sprintf(cmd, "*2\r\n");
    p = patterns ? put_bulk(p, "PSUBSCRIBE", 10) : put_bulk(p, "SUBSCRIBE", 9);
    p = put_bulk(p, name, nlen);
    write_all(s->fd, cmd, (size_t)(p - cmd));

    /* what must come back */
    s->confirm = xmalloc(256);
    p = s->confirm + sprintf(s->confirm, "*3\r\n");
    p = patterns ? put_bulk(p, "psubscribe", 10) : put_bulk(p, "subscribe", 9);
    p = put_bulk(p, name, nlen);
    p += sprintf(p, ":1\r\n");
    s->clen = (size_t)(p - s->confirm);

    s->prefix = xmalloc(256);
    p = s->prefix + sprintf(s->prefix, patterns ? "*4\r\n" : "*3\r\n");
    if (patterns) {
        p = put_bulk(p, "pmessage", 8);
        p = put_bulk(p, pat, strlen(pat));
    } else {
        p = put_bulk(p, "message", 7);
    }
    p = put_bulk(p, CHANNEL, strlen(CHANNEL));
    p += sprintf(p, "$%ld\r\n", dsize);
    s->plen = (size_t)(p - s->prefix);
    s->carry = xmalloc(s->plen + (size_t)dsize + 2 > s->clen ? s->plen + (size_t)dsize + 2 : s->clen);
    s->carry_len = 0;
}

/* Checks the whole messages in buf[0..len) for subscriber s; returns the
 * bytes consumed (the rest is an incomplete message). */
static size_t consume(struct sub *s, long idx, const char *buf, size_t len)
{
    size_t off = 0;
    if (!s->confirmed) {
        if (len < s->clen) {
            if (memcmp(buf, s->confirm, len)) goto bad_confirm;
            return 0;
        }
        if (memcmp(buf, s->confirm, s->clen)) goto bad_confirm;
        s->confirmed = true;
        off = s->clen;
    }
    size_t ml = s->plen + (size_t)dsize + 2;
    while (len - off >= ml) {
        const char *m = buf + off;
        if ((uint64_t)s->got >= (uint64_t)nmsgs) die("subscriber %ld: more than %ld messages", idx, nmsgs);
        if (memcmp(m, s->prefix, s->plen))
            die("subscriber %ld: message %llu: unexpected bytes: %.*s", idx,
                (unsigned long long)s->got + 1, (int)(ml < 200 ? ml : 200), m);
        uint64_t seq = 0;
        for (int i = 0; i < SEQ_DIGITS; i++) {
            char ch = m[s->plen + (size_t)i];
            if (ch < '0' || ch > '9') die("subscriber %ld: bad sequence digits", idx);
            seq = seq * 10 + (uint64_t)(ch - '0');
        }
        if (seq != s->got)
            die("subscriber %ld: got message #%llu, expected #%llu (lost or reordered)", idx,
                (unsigned long long)seq, (unsigned long long)s->got);
        if (memcmp(m + s->plen + SEQ_DIGITS, trailer, tlen))
            die("subscriber %ld: message %llu: bad payload", idx, (unsigned long long)seq);
        s->got++;
        off += ml;
    }
    return off;

bad_confirm:
    die("subscriber %ld: unexpected reply to (P)SUBSCRIBE: %.*s", idx,
        (int)(len < 200 ? len : 200), buf);
    return 0;
}

/* One read on subscriber idx; returns false on EAGAIN. */
static bool read_sub(long idx, char *rbuf)
{
    struct sub *s = &subs[idx];
    memcpy(rbuf, s->carry, s->carry_len);
    ssize_t n = read(s->fd, rbuf + s->carry_len, RBUF - s->carry_len);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return false;
    if (n <= 0)
        die("subscriber %ld: connection %s after %llu of %ld messages%s", idx,
            n < 0 ? strerror(errno) : "closed by the server", (unsigned long long)s->got, nmsgs,
            s->confirmed ? "" : " (before its subscription was confirmed)");
    size_t len = s->carry_len + (size_t)n;
    size_t used = consume(s, idx, rbuf, len);
    s->carry_len = len - used;
    memcpy(s->carry, rbuf + used, s->carry_len);
    return true;
}

/* Length of the first line of p[0..len) (at most 80), for messages. */
static int line_len(const char *p, size_t len)
{
    size_t n = 0;
    while (n < len && n < 80 && p[n] != '\r' && p[n] != '\n') n++;
    return (int)n;
}

static void usage(void)
{
    fprintf(stderr,
            "usage: fanout [-h host] [-p port] [-m channel|patterns] [-s subscribers]\n"
            "              [-n messages] [-P publishes in flight] [-w window] [-d payload bytes]\n"
            "              [-t stall timeout s] [-c server pid for CPU time]\n");
    exit(2);
}

static long num_arg(const char *s, long min)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (*end || v < min) usage();
    return v;
}

int main(int argc, char **argv)
{
    int opt;
    while ((opt = getopt(argc, argv, "h:p:m:s:n:P:w:d:t:c:")) != -1) {
        switch (opt) {
        case 'h': host = optarg; break;
        case 'p': port = optarg; break;
        case 'm':
            if (!strcmp(optarg, "channel")) patterns = false;
            else if (!strcmp(optarg, "patterns")) patterns = true;
            else usage();
            break;
        case 's': nsubs = num_arg(optarg, 1); break;
        case 'n': nmsgs = num_arg(optarg, 1); break;
        case 'P': inflight_max = num_arg(optarg, 1); break;
        case 'w': window = num_arg(optarg, 1); break;
        case 'd': dsize = num_arg(optarg, SEQ_DIGITS); break;
        case 't': timeout_s = num_arg(optarg, 1); break;
        case 'c': server_pid = num_arg(optarg, 1); break;
        default: usage();
        }
    }
    if (optind != argc || nmsgs >= 10000000000L || dsize > 1 << 20) usage();

    /* one fd per subscriber, the publisher, epoll, stdio and some slack */
    struct rlimit rl;
    rlim_t need = (rlim_t)nsubs + 64;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < need) {
        rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= need ? need : rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
        if (rl.rlim_cur < need)
            die("need %llu file descriptors, the hard limit is %llu", (unsigned long long)need,
                (unsigned long long)rl.rlim_max);
    }

    tlen = (size_t)dsize - SEQ_DIGITS + 2;
    trailer = xmalloc(tlen);
    memset(trailer, 'x', tlen - 2);
    trailer[tlen - 2] = '\r';
    trailer[tlen - 1] = '\n';

    int ep = epoll_create1(0);
    if (ep < 0) die("epoll_create1: %s", strerror(errno));
    subs = calloc((size_t)nsubs, sizeof(*subs));
    if (!subs) die("out of memory");
    for (long i = 0; i < nsubs; i++) {
        subs[i].fd = connect_one();
        setup_sub(&subs[i], i);
        set_nonblock(subs[i].fd);
        struct epoll_event ev = {.events = EPOLLIN, .data.u64 = (uint64_t)i};
        if (epoll_ctl(ep, EPOLL_CTL_ADD, subs[i].fd, &ev) < 0) die("epoll_ctl: %s", strerror(errno));
    }

    char *rbuf = xmalloc(RBUF);
    struct epoll_event evs[256];

    /* wait for every confirmation */
    long confirmed = 0;
    double last = now_s();
    while (confirmed < nsubs) {
        int n = epoll_wait(ep, evs, 256, 1000);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) die("epoll_wait: %s", strerror(errno));
        for (int i = 0; i < n; i++) {
            long idx = (long)evs[i].data.u64;
            bool was = subs[idx].confirmed;
            read_sub(idx, rbuf);
            if (subs[idx].got) die("subscriber %ld: a message before any was published", idx);
            if (!was && subs[idx].confirmed) confirmed++;
        }
        if (n > 0) last = now_s();
        else if (now_s() - last > (double)timeout_s)
            die("only %ld of %ld subscriptions confirmed after %lds", confirmed, nsubs, timeout_s);
    }

    /* the publisher */
    int pub = connect_one();
    {
        struct epoll_event ev = {.events = EPOLLIN, .data.u64 = UINT64_MAX};
        if (epoll_ctl(ep, EPOLL_CTL_ADD, pub, &ev) < 0) die("epoll_ctl: %s", strerror(errno));
    }
    set_nonblock(pub);
    char cmd_prefix[128], *p = cmd_prefix + sprintf(cmd_prefix, "*3\r\n");
    p = put_bulk(p, "PUBLISH", 7);
    p = put_bulk(p, CHANNEL, strlen(CHANNEL));
    p += sprintf(p, "$%ld\r\n", dsize);
    size_t cplen = (size_t)(p - cmd_prefix);
    size_t cmdlen = cplen + (size_t)dsize + 2;
    char *wbuf = xmalloc(cmdlen * (size_t)inflight_max);
    char expect_reply[32];
    size_t erlen = (size_t)sprintf(expect_reply, ":%ld\r\n", nsubs);
    char pcarry[64];
    size_t pcarry_len = 0;

    long sent = 0, replies = 0, done = 0, slowest = 0;
    double cpu0 = server_pid ? cpu_seconds(server_pid) : 0, t0 = now_s(), t_end = t0;
    last = t0;
    while (done < nsubs || replies < nmsgs) {
        /* publish what the in-flight limit and the window allow */
        if (sent < nmsgs && sent - replies < inflight_max) {
            if (sent - slowest >= window) {
                uint64_t m = UINT64_MAX;
                for (long i = 0; i < nsubs; i++)
                    if (subs[i].got < m) m = subs[i].got;
                slowest = (long)m;
            }
            long k = inflight_max - (sent - replies);
            if (k > nmsgs - sent) k = nmsgs - sent;
            if (k > window - (sent - slowest)) k = window - (sent - slowest);
            char *w = wbuf;
            for (long j = 0; j < k; j++) {
                memcpy(w, cmd_prefix, cplen);
                w += cplen;
                w += sprintf(w, "%0*ld", SEQ_DIGITS, sent + j);
                memcpy(w, trailer, tlen);
                w += tlen;
            }
            if (k > 0) write_all(pub, wbuf, (size_t)(w - wbuf));
            if (k > 0) sent += k;
        }
        int n = epoll_wait(ep, evs, 256, 1000);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) die("epoll_wait: %s", strerror(errno));
        for (int i = 0; i < n; i++) {
            if (evs[i].data.u64 == UINT64_MAX) {
                char in[4096 + 64];
                memcpy(in, pcarry, pcarry_len);
                ssize_t r = read(pub, in + pcarry_len, 4096);
                if (r < 0 && (errno == EAGAIN || errno == EINTR)) continue;
                if (r <= 0) die("publisher: connection %s", r < 0 ? strerror(errno) : "closed");
                size_t len = pcarry_len + (size_t)r, off = 0;
                for (; len - off >= erlen; off += erlen) {
                    if (memcmp(in + off, expect_reply, erlen))
                        die("PUBLISH #%ld: expected %.*s, got %.*s", replies + 1, (int)erlen - 2,
                            expect_reply, line_len(in + off, len - off), in + off);
                    if (++replies > sent) die("publisher: more replies than PUBLISHes");
                }
                pcarry_len = len - off;
                if (pcarry_len && memcmp(in + off, expect_reply, pcarry_len))
                    die("PUBLISH #%ld: expected %.*s, got %.*s", replies + 1, (int)erlen - 2,
                        expect_reply, line_len(in + off, pcarry_len), in + off);
                memcpy(pcarry, in + off, pcarry_len);
                continue;
            }
            long idx = (long)evs[i].data.u64;
            bool was_done = subs[idx].got == (uint64_t)nmsgs;
            read_sub(idx, rbuf);
            if (!was_done && subs[idx].got == (uint64_t)nmsgs) {
                done++;
                t_end = now_s();
            }
        }
        if (n > 0) {
            last = now_s();
        } else if (now_s() - last > (double)timeout_s) {
            uint64_t lo = UINT64_MAX, hi = 0;
            for (long i = 0; i < nsubs; i++) {
                if (subs[i].got < lo) lo = subs[i].got;
                if (subs[i].got > hi) hi = subs[i].got;
            }
            die("stalled %lds: %ld of %ld published, %ld replies, %ld of %ld subscribers done, "
                "messages received %llu..%llu",
                timeout_s, sent, nmsgs, replies, done, nsubs, (unsigned long long)lo,
                (unsigned long long)hi);
        }
    }
    double cpu1 = server_pid ? cpu_seconds(server_pid) : 0;
    double elapsed = t_end - t0;
    double delivered = (double)nmsgs * (double)nsubs;

    /* nothing more may arrive: a short grace read */
    int n = epoll_wait(ep, evs, 256, 50);
    for (int i = 0; i < n; i++) {
        if (evs[i].data.u64 == UINT64_MAX) die("publisher: data after the last reply");
        read_sub((long)evs[i].data.u64, rbuf);
    }
    for (long i = 0; i < nsubs; i++) {
        if (subs[i].got != (uint64_t)nmsgs || subs[i].carry_len)
            die("subscriber %ld: %llu messages (+%zu bytes), expected %ld", i,
                (unsigned long long)subs[i].got, subs[i].carry_len, nmsgs);
        close(subs[i].fd);
    }
    close(pub);
    if (server_pid)
        printf("%.0f %.6f %.0f %.3f\n", delivered / elapsed, elapsed, delivered, cpu1 - cpu0);
    else
        printf("%.0f %.6f %.0f\n", delivered / elapsed, elapsed, delivered);
    return 0;
}
