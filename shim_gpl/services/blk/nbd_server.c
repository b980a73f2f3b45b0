/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * nbd_server.c — the listening sockets (a Unix socket, and TCP when "blk.nbd_tcp" is set)
 * and the accept thread. Each accepted client gets a reader thread (nbd_conn.c); finished
 * connections are handed back to the accept thread, which joins and frees them.
 */
#include "blk_internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

struct nbd_server {
	struct blk_state *blk;
	int unix_fd, tcp_fd, wake_fd;
	char unix_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char tcp_host[INET_ADDRSTRLEN];
	uint16_t tcp_port;
	pthread_t thread;
	uint64_t accepted;

	pthread_mutex_t mu;
	pthread_cond_t cv;          /* a connection ended */
	struct nbd_conn *conns;     /* running */
	struct nbd_conn *dead;      /* ended, waiting to be joined */
	uint32_t nconns;
	bool stopping;
};

static struct satori_shim *srv_shim(const struct nbd_server *srv)
{
	return srv->blk->shim;
}

/* The option, or the default: $XDG_RUNTIME_DIR/satori/nbd.sock, else /tmp/satori-<uid>/. */
static int32_t socket_path(struct nbd_server *srv, bool *is_default)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	size_t size = sizeof(srv->unix_path);
	int n;

	*is_default = !srv->blk->sock_opt[0];
	if (!*is_default)
		n = snprintf(srv->unix_path, size, "%s", srv->blk->sock_opt);
	else if (xdg && xdg[0] == '/')
		n = snprintf(srv->unix_path, size, "%s/satori/nbd.sock", xdg);
	else
		n = snprintf(srv->unix_path, size, "/tmp/satori-%u/nbd.sock", (unsigned)getuid());
	if (n < 0 || (size_t)n >= size) {
		shim_log(srv_shim(srv), SATORI_LOG_ERROR, "NBD socket path too long");
		return -SATORI_EINVAL;
	}
	return 0;
}

/* The socket's directory: created 0700 when missing; a default one must be ours alone. */
static int32_t prepare_dir(struct nbd_server *srv, bool is_default)
{
	char dir[sizeof(srv->unix_path)];
	char *slash;
	struct stat st;

	memcpy(dir, srv->unix_path, sizeof(dir));
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = 0;
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		shim_log(srv_shim(srv), SATORI_LOG_ERROR, "cannot create %s: %s", dir, strerror(errno));
		return -SATORI_ENOENT;
	}
	if (!is_default)
		return 0;
	if (lstat(dir, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid != getuid() ||
	    (st.st_mode & 077)) {
		shim_log(srv_shim(srv), SATORI_LOG_ERROR,
			 "%s is not a directory private to this user; not listening there", dir);
		return -SATORI_EPERM;
	}
	return 0;
}

static void unix_addr(const char *path, struct sockaddr_un *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	memcpy(sa->sun_path, path, strlen(path));
}

/* A socket file left by a server that died is removed; a live server is left alone. */
static int32_t clear_stale(struct nbd_server *srv)
{
	struct sockaddr_un sa;
	struct stat st;
	int fd, r;

	if (lstat(srv->unix_path, &st) < 0)
		return errno == ENOENT ? 0 : -SATORI_EIO;
	if (!S_ISSOCK(st.st_mode)) {
		shim_log(srv_shim(srv), SATORI_LOG_ERROR, "%s exists and is not a socket",
			 srv->unix_path);
		return -SATORI_EEXIST;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -SATORI_EIO;
	unix_addr(srv->unix_path, &sa);
	r = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	close(fd);
	if (r == 0 || errno != ECONNREFUSED) {
		shim_log(srv_shim(srv), SATORI_LOG_ERROR, "another server listens on %s",
			 srv->unix_path);
		return -SATORI_EBUSY;
	}
	shim_log(srv_shim(srv), SATORI_LOG_INFO, "removing stale socket %s", srv->unix_path);
	return unlink(srv->unix_path) < 0 && errno != ENOENT ? -SATORI_EIO : 0;
}

static int32_t listen_unix(struct nbd_server *srv)
{
	struct sockaddr_un sa;
	bool is_default;
	int32_t r;

	r = socket_path(srv, &is_default);
	if (!r)
		r = prepare_dir(srv, is_default);
	if (!r)
		r = clear_stale(srv);
	if (r < 0)
		return r;
	srv->unix_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (srv->unix_fd < 0)
		return -SATORI_EIO;
	unix_addr(srv->unix_path, &sa);
	if (bind(srv->unix_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(srv->unix_fd, 64) < 0) {
		shim_log(srv_shim(srv), SATORI_LOG_ERROR, "cannot listen on %s: %s", srv->unix_path,
			 strerror(errno));
		close(srv->unix_fd);
		srv->unix_fd = -1;
		return -SATORI_EIO;
	}
	return 0;
}

static int32_t listen_tcp(struct nbd_server *srv)
{
	struct sockaddr_in sa = srv->blk->tcp_addr;
	socklen_t len = sizeof(sa);
	int one = 1;

	srv->tcp_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (srv->tcp_fd < 0)
		return -SATORI_EIO;
	setsockopt(srv->tcp_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	inet_ntop(AF_INET, &sa.sin_addr, srv->tcp_host, sizeof(srv->tcp_host));
	if (bind(srv->tcp_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(srv->tcp_fd, 64) < 0 ||
	    getsockname(srv->tcp_fd, (struct sockaddr *)&sa, &len) < 0) {
		shim_log(srv_shim(srv), SATORI_LOG_ERROR, "cannot listen on %s:%u: %s",
			 srv->tcp_host, ntohs(srv->blk->tcp_addr.sin_port), strerror(errno));
		close(srv->tcp_fd);
		srv->tcp_fd = -1;
		return -SATORI_EIO;
	}
	srv->tcp_port = ntohs(sa.sin_port);
	return 0;
}

static void conn_free(struct nbd_conn *c)
{
	pthread_mutex_destroy(&c->mu);
	pthread_cond_destroy(&c->cv);
	free(c);
}

static void reap(struct nbd_conn *list)
{
	while (list) {
		struct nbd_conn *c = list;

		list = c->next;
		pthread_join(c->reader, NULL);
		conn_free(c);
	}
}

static void set_timeouts(int fd)
{
	struct timeval tv = { .tv_sec = NBD_IO_TIMEOUT_S };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

/* 0, or -SATORI_EAGAIN when accept itself fails (e.g. out of descriptors): back off. */
static int32_t accept_one(struct nbd_server *srv, int lfd, bool tcp)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	struct nbd_conn *c;
	int fd, one = 1;

	fd = accept4(lfd, (struct sockaddr *)&ss, &len, SOCK_CLOEXEC);
	if (fd < 0) {
		if (errno == EINTR || errno == EAGAIN || errno == ECONNABORTED)
			return 0;
		shim_log(srv_shim(srv), SATORI_LOG_ERROR, "NBD accept failed: %s", strerror(errno));
		return -SATORI_EAGAIN;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		return 0;
	}
	c->srv = srv;
	c->blk = srv->blk;
	c->fd = fd;
	pthread_mutex_init(&c->mu, NULL);
	pthread_cond_init(&c->cv, NULL);
	set_timeouts(fd);
	if (tcp) {
		struct sockaddr_in *in = (struct sockaddr_in *)&ss;
		char host[INET_ADDRSTRLEN] = "?";

		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
		snprintf(c->peer, sizeof(c->peer), "tcp:%s:%u", host, ntohs(in->sin_port));
	} else {
		snprintf(c->peer, sizeof(c->peer), "unix#%llu",
			 (unsigned long long)srv->accepted + 1);
	}

	pthread_mutex_lock(&srv->mu);
	if (srv->nconns >= NBD_MAX_CONNS) {
		pthread_mutex_unlock(&srv->mu);
		shim_log(srv_shim(srv), SATORI_LOG_WARN, "nbd %s: %u clients already; refused",
			 c->peer, NBD_MAX_CONNS);
		close(fd);
		conn_free(c);
		return 0;
	}
	srv->accepted++;
	srv->nconns++;
	c->next = srv->conns;
	srv->conns = c;
	if (pthread_create(&c->reader, NULL, nbd_conn_main, c) != 0) {
		srv->conns = c->next;
		srv->nconns--;
		pthread_mutex_unlock(&srv->mu);
		shim_log(srv_shim(srv), SATORI_LOG_ERROR, "nbd %s: cannot start a thread", c->peer);
		close(fd);
		conn_free(c);
		return 0;
	}
	pthread_mutex_unlock(&srv->mu);
	shim_log(srv_shim(srv), SATORI_LOG_DEBUG, "nbd %s: connected", c->peer);
	return 0;
}

static void *accept_main(void *arg)
{
	struct nbd_server *srv = arg;
	bool backoff = false;

	pthread_setname_np(pthread_self(), "satori-nbd");
	for (;;) {
		struct pollfd pfd[3] = {
			{ .fd = srv->wake_fd, .events = POLLIN },
			{ .fd = srv->unix_fd, .events = POLLIN },
			{ .fd = srv->tcp_fd, .events = POLLIN }, /* ignored by poll when -1 */
		};
		struct nbd_conn *dead;
		bool stopping;
		uint64_t v;
		int n;

		/* after a failed accept, only the wake-up is watched for a while */
		n = poll(pfd, backoff ? 1 : 3, backoff ? 100 : -1);
		backoff = n < 0 && errno != EINTR;
		if (backoff)
			shim_log(srv_shim(srv), SATORI_LOG_ERROR, "NBD poll: %s", strerror(errno));
		if (pfd[0].revents & POLLIN && read(srv->wake_fd, &v, sizeof(v)) < 0)
			v = 0;
		pthread_mutex_lock(&srv->mu);
		stopping = srv->stopping;
		dead = srv->dead;
		srv->dead = NULL;
		pthread_mutex_unlock(&srv->mu);
		reap(dead);
		if (stopping)
			break;
		for (int i = 1; i < 3; i++) {
			if ((pfd[i].revents & POLLIN) && accept_one(srv, pfd[i].fd, i == 2) < 0)
				backoff = true; /* wait for descriptors to come back, then retry */
		}
	}
	return NULL;
}

int32_t nbd_server_start(struct blk_state *blk, struct nbd_server **out)
{
	struct nbd_server *srv = calloc(1, sizeof(*srv));
	int32_t r;

	if (!srv)
		return -SATORI_ENOMEM;
	srv->blk = blk;
	srv->unix_fd = srv->tcp_fd = -1;
	pthread_mutex_init(&srv->mu, NULL);
	pthread_cond_init(&srv->cv, NULL);
	srv->wake_fd = eventfd(0, EFD_CLOEXEC);
	r = srv->wake_fd < 0 ? -SATORI_EIO : 0;
	if (!r)
		r = listen_unix(srv);
	if (!r && blk->tcp_on)
		r = listen_tcp(srv);
	if (r < 0)
		goto out_close;
	if (pthread_create(&srv->thread, NULL, accept_main, srv) != 0) {
		r = -SATORI_ENOMEM;
		goto out_close;
	}
	shim_log(blk->shim, SATORI_LOG_INFO, "NBD server listening on %s%s%s", srv->unix_path,
		 srv->tcp_fd >= 0 ? " and TCP " : "", srv->tcp_fd >= 0 ? srv->tcp_host : "");
	*out = srv;
	return 0;

out_close:
	if (srv->tcp_fd >= 0)
		close(srv->tcp_fd);
	if (srv->unix_fd >= 0) {
		close(srv->unix_fd);
		unlink(srv->unix_path);
	}
	if (srv->wake_fd >= 0)
		close(srv->wake_fd);
	pthread_mutex_destroy(&srv->mu);
	pthread_cond_destroy(&srv->cv);
	free(srv);
	return r;
}

static void wake_locked(struct nbd_server *srv)
{
	uint64_t one = 1;

	if (write(srv->wake_fd, &one, sizeof(one)) < 0)
		shim_log(srv_shim(srv), SATORI_LOG_DEBUG, "NBD wake-up failed: %s", strerror(errno));
}

void nbd_server_conn_done(struct nbd_conn *c)
{
	struct nbd_server *srv = c->srv;
	struct nbd_conn **pp;

	pthread_mutex_lock(&srv->mu);
	for (pp = &srv->conns; *pp && *pp != c; pp = &(*pp)->next)
		;
	if (*pp)
		*pp = c->next;
	close(c->fd);
	c->fd = -1;
	c->next = srv->dead;
	srv->dead = c;
	srv->nconns--;
	pthread_cond_broadcast(&srv->cv);
	wake_locked(srv); /* under the lock: stop closes wake_fd only once nconns is 0 */
	pthread_mutex_unlock(&srv->mu);
}

void nbd_server_stop(struct nbd_server *srv)
{
	struct nbd_conn *dead;

	if (!srv)
		return;
	pthread_mutex_lock(&srv->mu);
	srv->stopping = true;
	wake_locked(srv);
	pthread_mutex_unlock(&srv->mu);
	pthread_join(srv->thread, NULL);

	close(srv->unix_fd);
	unlink(srv->unix_path);
	if (srv->tcp_fd >= 0)
		close(srv->tcp_fd);

	pthread_mutex_lock(&srv->mu);
	for (struct nbd_conn *c = srv->conns; c; c = c->next)
		shutdown(c->fd, SHUT_RDWR);
	while (srv->nconns)
		pthread_cond_wait(&srv->cv, &srv->mu);
	dead = srv->dead;
	srv->dead = NULL;
	pthread_mutex_unlock(&srv->mu);
	reap(dead);

	close(srv->wake_fd);
	pthread_mutex_destroy(&srv->mu);
	pthread_cond_destroy(&srv->cv);
	shim_log(srv_shim(srv), SATORI_LOG_INFO, "NBD server stopped (%llu clients served)",
		 (unsigned long long)srv->accepted);
	free(srv);
}

/* RFC 3986: everything but unreserved characters and '/' is percent-encoded. */
static void uri_escape(const char *s, char *out, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	for (; *s && o + 4 < len; s++) {
		unsigned char ch = (unsigned char)*s;

		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		    strchr("-._~/", ch)) {
			out[o++] = (char)ch;
		} else {
			out[o++] = '%';
			out[o++] = hex[ch >> 4];
			out[o++] = hex[ch & 15];
		}
	}
	out[o] = 0;
}

void nbd_server_unix_uri(const struct nbd_server *srv, const char *name, char *buf, size_t len)
{
	char path[3 * sizeof(srv->unix_path) + 1];

	uri_escape(srv->unix_path, path, sizeof(path));
	snprintf(buf, len, "nbd+unix:///%s?socket=%s", name, path);
}

bool nbd_server_tcp_uri(const struct nbd_server *srv, const char *name, char *buf, size_t len)
{
	if (srv->tcp_fd < 0) {
		if (len)
			buf[0] = 0;
		return false;
	}
	snprintf(buf, len, "nbd://%s:%u/%s", srv->tcp_host, srv->tcp_port, name);
	return true;
}
