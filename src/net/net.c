/* net: see net.h. */
#include "net/net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static ssize_t plain_read(struct conn *c, void *buf, size_t len) { return read(c->fd, buf, len); }
static ssize_t plain_write(struct conn *c, const void *buf, size_t len)
{
    return write(c->fd, buf, len);
}
static ssize_t plain_writev(struct conn *c, const struct iovec *iov, int n)
{
    return writev(c->fd, iov, n);
}
static void plain_close(struct conn *c)
{
    if (c->fd >= 0) close(c->fd);
    c->fd = -1;
}

static const struct conn_ops tcp_ops = {plain_read, plain_write, plain_writev, plain_close, "tcp"};
static const struct conn_ops unix_ops = {plain_read, plain_write, plain_writev, plain_close, "unix"};

void conn_init(struct conn *c, int fd, enum conn_kind kind)
{
    c->fd = fd;
    c->kind = kind;
    c->ops = kind == CONN_UNIX ? &unix_ops : &tcp_ops;
}

void conn_close(struct conn *c)
{
    if (c->ops) c->ops->close(c);
}

int net_set_nonblock(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0) return -1;
    return fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

int net_set_nodelay(int fd)
{
    int yes = 1;
    return setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof(yes));
}

int net_set_keepalive(int fd, int interval)
{
    int yes = 1;
    if (setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &yes, sizeof(yes)) < 0) return -1;
    if (interval <= 0) return 0;
    int idle = interval, intvl = interval / 3 ? interval / 3 : 1, cnt = 3;
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl));
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt));
    return 0;
}

int net_tcp_connect(const struct sockaddr *sa, unsigned salen, char *err, size_t errlen)
{
    int fd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        snprintf(err, errlen, "socket: %s", strerror(errno));
        return -1;
    }
    if (connect(fd, sa, (socklen_t)salen) < 0 && errno != EINPROGRESS) {
        snprintf(err, errlen, "connect: %s", strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

int net_connect_error(int fd)
{
    int e = 0;
    socklen_t len = sizeof(e);
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &len) < 0) return errno;
    return e;
}

int net_tcp_listen(const char *addr, int port, int backlog, char *err, size_t errlen)
{
    struct addrinfo hints = {0}, *res = NULL;
    char portstr[16];
    snprintf(portstr, sizeof(portstr), "%d", port);
    hints.ai_family = strchr(addr, ':') ? AF_INET6 : AF_INET;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    int rc = getaddrinfo(addr, portstr, &hints, &res);
    if (rc) {
        snprintf(err, errlen, "%s: %s", addr, gai_strerror(rc));
        return -1;
    }
    int fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        snprintf(err, errlen, "socket: %s", strerror(errno));
        freeaddrinfo(res);
        return -1;
    }
    int yes = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    if (res->ai_family == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &yes, sizeof(yes));
    if (bind(fd, res->ai_addr, res->ai_addrlen) < 0 || listen(fd, backlog) < 0) {
        snprintf(err, errlen, "Could not create server TCP listening socket %s:%d: %s", addr, port,
                 strerror(errno));
        close(fd);
        freeaddrinfo(res);
        return -1;
    }
    freeaddrinfo(res);
    return fd;
}

int net_unix_listen(const char *path, unsigned perm, int backlog, char *err, size_t errlen)
{
    struct sockaddr_un sa = {0};
    if (strlen(path) >= sizeof(sa.sun_path)) {
        snprintf(err, errlen, "unix socket path too long");
        return -1;
    }
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        snprintf(err, errlen, "socket: %s", strerror(errno));
        return -1;
    }
    sa.sun_family = AF_UNIX;
    strcpy(sa.sun_path, path);
    unlink(path);
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, backlog) < 0) {
        snprintf(err, errlen, "unix socket %s: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    if (perm) chmod(path, perm);
    return fd;
}

static void fmt_addr(const struct sockaddr_storage *ss, char *ip, size_t iplen, int *port)
{
    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *s = (const void *)ss;
        if (ip) inet_ntop(AF_INET, &s->sin_addr, ip, (socklen_t)iplen);
        if (port) *port = ntohs(s->sin_port);
    } else if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *s = (const void *)ss;
        if (ip) inet_ntop(AF_INET6, &s->sin6_addr, ip, (socklen_t)iplen);
        if (port) *port = ntohs(s->sin6_port);
    } else {
        if (ip && iplen) snprintf(ip, iplen, "/unixsocket");
        if (port) *port = 0;
    }
}

int net_accept(int lfd, char *ip, size_t iplen, int *port)
{
    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);
    int fd;
    do {
        fd = accept4(lfd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) return -1;
    fmt_addr(&ss, ip, iplen, port);
    return fd;
}

static int name_of(int fd, char *buf, size_t len, bool peer)
{
    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);
    int rc = peer ? getpeername(fd, (struct sockaddr *)&ss, &sl)
                  : getsockname(fd, (struct sockaddr *)&ss, &sl);
    if (rc < 0) {
        snprintf(buf, len, "?:0");
        return -1;
    }
    if (ss.ss_family == AF_UNIX) {
        snprintf(buf, len, "/unixsocket:0");
        return 0;
    }
    char ip[INET6_ADDRSTRLEN];
    int port;
    fmt_addr(&ss, ip, sizeof(ip), &port);
    snprintf(buf, len, ss.ss_family == AF_INET6 ? "[%s]:%d" : "%s:%d", ip, port);
    return 0;
}

int net_peer_name(int fd, char *buf, size_t len) { return name_of(fd, buf, len, true); }
int net_sock_name(int fd, char *buf, size_t len) { return name_of(fd, buf, len, false); }
