/* net: sockets and connections.
 *
 * A connection is a file descriptor plus an ops vtable, so that TLS (later)
 * slots in beside plain TCP and unix sockets without the layers above
 * knowing which one they talk to. Reads and writes are non-blocking and
 * return bytes moved, 0 for EOF (read only), or -1 with errno (EAGAIN when
 * the socket is not ready). */
#ifndef APIARY_NET_H
#define APIARY_NET_H

#include <stddef.h>
#include <sys/types.h>
#include <sys/uio.h>

struct conn;

struct conn_ops {
    ssize_t (*read)(struct conn *c, void *buf, size_t len);
    ssize_t (*write)(struct conn *c, const void *buf, size_t len);
    ssize_t (*writev)(struct conn *c, const struct iovec *iov, int iovcnt);
    void (*close)(struct conn *c);
    const char *name; /* "tcp", "unix" */
};

enum conn_kind { CONN_TCP = 0, CONN_UNIX };

struct conn {
    int fd;
    enum conn_kind kind;
    const struct conn_ops *ops;
};

/* Wraps an accepted fd (made non-blocking) into c. */
void conn_init(struct conn *c, int fd, enum conn_kind kind);
static inline ssize_t conn_read(struct conn *c, void *buf, size_t len)
{
    return c->ops->read(c, buf, len);
}
static inline ssize_t conn_write(struct conn *c, const void *buf, size_t len)
{
    return c->ops->write(c, buf, len);
}
static inline ssize_t conn_writev(struct conn *c, const struct iovec *iov, int n)
{
    return c->ops->writev(c, iov, n);
}
void conn_close(struct conn *c);

/* Listening sockets. Return the fd or -1, with a message in err. */
int net_tcp_listen(const char *addr, int port, int backlog, char *err, size_t errlen);
int net_unix_listen(const char *path, unsigned perm, int backlog, char *err, size_t errlen);
/* Accepts one connection; fd or -1 (errno EAGAIN when none pending). */
int net_accept(int lfd, char *ip, size_t iplen, int *port);
/* Outgoing TCP: starts a non-blocking connect to sa; the fd (the connect
 * may still be in progress: wait for it to become writable, then ask
 * net_connect_error), or -1 with a message in err. */
struct sockaddr;
int net_tcp_connect(const struct sockaddr *sa, unsigned salen, char *err, size_t errlen);
/* After a non-blocking connect turned writable: 0 connected, or the errno
 * it failed with. */
int net_connect_error(int fd);
int net_set_nonblock(int fd);
int net_set_nodelay(int fd);
int net_set_keepalive(int fd, int interval);
/* "ip:port" of the peer / local end, for CLIENT LIST. */
int net_peer_name(int fd, char *buf, size_t len);
int net_sock_name(int fd, char *buf, size_t len);

#endif
