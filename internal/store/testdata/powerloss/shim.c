/*
 * powerloss shim: an LD_PRELOAD library that keeps, beside the files of one
 * folder, the content a disk would hold if the power failed now: for every
 * file, its bytes as of the last fsync/fdatasync. TestPowerLoss builds it
 * with gcc and runs the real store code in a child process under it.
 *
 * Environment:
 *   POWERLOSS_DIR     the watched folder (absolute); only files directly in
 *                     it are followed, and "-shm" files never are (SQLite
 *                     rebuilds the shared-memory index after a crash).
 *   POWERLOSS_SHADOW  folder that receives the durable copies (same names).
 *   POWERLOSS_KILL_AT when > 0, the process SIGKILLs itself just before its
 *                     Nth file operation (write, pwrite, ftruncate, fsync,
 *                     fdatasync, unlink) on a watched file.
 *   POWERLOSS_COUNT   a file that receives the number of operations so far
 *                     (8 bytes, native order), rewritten at every operation.
 *   POWERLOSS_EIO     a path: while a file exists there, every read, pread
 *                     and pread64 of a watched file fails with EIO (a disk
 *                     that stopped reading), so tests see how a real read
 *                     error reaches the caller.
 *
 * Model: a write reaches the page cache only; fsync/fdatasync of a file
 * copies the ranges written since its last sync (and truncations) to its
 * shadow, which is what survives the power loss. The ranges written since
 * the last sync are also logged to "<shadow>/<name>.pending" (pairs of
 * int64 offset and length), so a test can also let any part of them reach
 * the disk, as a real disk may before the power goes. A file that was never
 * synced does not survive. unlink is taken as durable at once (removing
 * the shadow), which is the harsher choice for SQLite: it only deletes a
 * journal or a WAL after syncing what it protects.
 *
 * The shim's own I/O uses raw system calls so it never re-enters itself.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#define MAXFILES 32

struct range {
	off_t off, len;
};

struct tracked {
	char name[NAME_MAX + 1];
	struct range *r;
	size_t n, cap;
	off_t minsize; /* smallest size set by ftruncate since the last sync, -1 if none */
	int pending;   /* fd of the pending-ranges log, -1 if not open */
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static char watch[PATH_MAX];
static size_t watchlen;
static char shadow[PATH_MAX];
static long long kill_at = -1;
static long long ops;
static int countfd = -1;
static char eiofile[PATH_MAX];
static struct tracked files[MAXFILES];

static ssize_t (*real_write)(int, const void *, size_t);
static ssize_t (*real_pwrite)(int, const void *, size_t, off_t);
static ssize_t (*real_pwrite64)(int, const void *, size_t, off_t);
static int (*real_ftruncate)(int, off_t);
static int (*real_ftruncate64)(int, off_t);
static int (*real_fsync)(int);
static int (*real_fdatasync)(int);
static int (*real_unlink)(const char *);
static ssize_t (*real_read)(int, void *, size_t);
static ssize_t (*real_pread)(int, void *, size_t, off_t);
static ssize_t (*real_pread64)(int, void *, size_t, off_t);

static void die(const char *msg)
{
	syscall(SYS_write, 2, "powerloss shim: ", 16);
	syscall(SYS_write, 2, msg, strlen(msg));
	syscall(SYS_write, 2, "\n", 1);
	abort();
}

__attribute__((constructor)) static void init(void)
{
	real_write = dlsym(RTLD_NEXT, "write");
	real_pwrite = dlsym(RTLD_NEXT, "pwrite");
	real_pwrite64 = dlsym(RTLD_NEXT, "pwrite64");
	real_ftruncate = dlsym(RTLD_NEXT, "ftruncate");
	real_ftruncate64 = dlsym(RTLD_NEXT, "ftruncate64");
	real_fsync = dlsym(RTLD_NEXT, "fsync");
	real_fdatasync = dlsym(RTLD_NEXT, "fdatasync");
	real_unlink = dlsym(RTLD_NEXT, "unlink");
	real_read = dlsym(RTLD_NEXT, "read");
	real_pread = dlsym(RTLD_NEXT, "pread");
	real_pread64 = dlsym(RTLD_NEXT, "pread64");
	const char *w = getenv("POWERLOSS_DIR"), *s = getenv("POWERLOSS_SHADOW");
	if (!w || !s)
		return;
	snprintf(watch, sizeof watch, "%s/", w);
	watchlen = strlen(watch);
	snprintf(shadow, sizeof shadow, "%s", s);
	const char *k = getenv("POWERLOSS_KILL_AT");
	if (k)
		kill_at = atoll(k);
	const char *e = getenv("POWERLOSS_EIO");
	if (e && snprintf(eiofile, sizeof eiofile, "%s", e) >= (int)sizeof eiofile)
		die("POWERLOSS_EIO too long");
	const char *c = getenv("POWERLOSS_COUNT");
	if (c) {
		countfd = (int)syscall(SYS_openat, AT_FDCWD, c, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
		if (countfd < 0)
			die("cannot open POWERLOSS_COUNT");
	}
}

/* watched returns the tracked entry for a watched file name, NULL otherwise. */
static struct tracked *byname(const char *path)
{
	if (!watchlen || strncmp(path, watch, watchlen) != 0)
		return NULL;
	const char *name = path + watchlen;
	size_t n = strlen(name);
	if (n == 0 || n > NAME_MAX || strchr(name, '/'))
		return NULL;
	if (n >= 4 && strcmp(name + n - 4, "-shm") == 0)
		return NULL;
	for (int i = 0; i < MAXFILES; i++)
		if (files[i].name[0] && strcmp(files[i].name, name) == 0)
			return &files[i];
	for (int i = 0; i < MAXFILES; i++)
		if (!files[i].name[0]) {
			memcpy(files[i].name, name, n + 1);
			files[i].minsize = -1;
			files[i].pending = -1;
			return &files[i];
		}
	die("too many files");
	return NULL;
}

/* byfd returns the tracked entry of a regular watched file open as fd. */
static struct tracked *byfd(int fd)
{
	if (!watchlen)
		return NULL;
	char link[64], path[PATH_MAX];
	snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
	ssize_t n = readlink(link, path, sizeof path - 1);
	if (n <= 0)
		return NULL;
	path[n] = 0;
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		return NULL;
	return byname(path);
}

/* tick counts one operation and dies if it is the chosen one. Holds mu. */
static void tick(void)
{
	ops++;
	if (countfd >= 0)
		syscall(SYS_pwrite64, countfd, &ops, sizeof ops, (off_t)0);
	if (kill_at > 0 && ops >= kill_at)
		syscall(SYS_kill, syscall(SYS_getpid), SIGKILL);
}

#define SHADOWPATH (PATH_MAX + NAME_MAX + 2)

static char *shadowpath(struct tracked *t, char *buf)
{
	if (snprintf(buf, SHADOWPATH, "%s/%s", shadow, t->name) >= SHADOWPATH)
		die("shadow path too long");
	return buf;
}

static char *pendingpath(struct tracked *t, char *buf)
{
	if (snprintf(buf, SHADOWPATH + 8, "%s/%s.pending", shadow, t->name) >= SHADOWPATH + 8)
		die("pending path too long");
	return buf;
}

/* logpending appends a written range to the file's pending log. */
static void logpending(struct tracked *t, off_t off, off_t len)
{
	if (t->pending < 0) {
		char p[SHADOWPATH + 8];
		t->pending = (int)syscall(SYS_openat, AT_FDCWD, pendingpath(t, p), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		if (t->pending < 0)
			die("cannot open the pending log");
	}
	int64_t rec[2] = {off, len};
	if (syscall(SYS_write, t->pending, rec, sizeof rec) != sizeof rec)
		die("write to the pending log");
}

static void dirty(struct tracked *t, off_t off, ssize_t len)
{
	if (len <= 0)
		return;
	logpending(t, off, len);
	if (t->n == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 64;
		t->r = realloc(t->r, t->cap * sizeof *t->r);
		if (!t->r)
			die("out of memory");
	}
	t->r[t->n++] = (struct range){off, len};
}

/* sync copies what fd's file holds in the written ranges to its shadow. Holds mu. */
static void syncfile(struct tracked *t, int fd)
{
	char p[SHADOWPATH];
	shadowpath(t, p);
	struct stat st;
	if (fstat(fd, &st) != 0)
		die("fstat");
	int fresh = access(p, F_OK) != 0;
	int sfd = (int)syscall(SYS_openat, AT_FDCWD, p, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (sfd < 0)
		die("cannot open shadow file");
	static char buf[1 << 16];
	if (fresh) {
		/* Never synced before: the whole file becomes durable now. */
		t->n = 0;
		if (st.st_size > 0) {
			if (t->cap == 0) {
				t->cap = 64;
				t->r = malloc(t->cap * sizeof *t->r);
				if (!t->r)
					die("out of memory");
			}
			t->r[t->n++] = (struct range){0, st.st_size};
		}
	} else if (t->minsize >= 0) {
		syscall(SYS_ftruncate, sfd, t->minsize);
	}
	for (size_t i = 0; i < t->n; i++) {
		off_t off = t->r[i].off, end = t->r[i].off + t->r[i].len;
		if (end > st.st_size)
			end = st.st_size;
		while (off < end) {
			size_t want = end - off < (off_t)sizeof buf ? (size_t)(end - off) : sizeof buf;
			ssize_t got = syscall(SYS_pread64, fd, buf, want, off);
			if (got <= 0)
				die("pread from the real file");
			if (syscall(SYS_pwrite64, sfd, buf, got, off) != got)
				die("pwrite to the shadow file");
			off += got;
		}
	}
	syscall(SYS_ftruncate, sfd, st.st_size);
	syscall(SYS_close, sfd);
	t->n = 0;
	t->minsize = -1;
	if (t->pending >= 0)
		syscall(SYS_ftruncate, t->pending, (off_t)0);
}

ssize_t write(int fd, const void *b, size_t n)
{
	pthread_mutex_lock(&mu);
	struct tracked *t = byfd(fd);
	if (!t) {
		pthread_mutex_unlock(&mu);
		return real_write(fd, b, n);
	}
	tick();
	off_t off = lseek(fd, 0, SEEK_CUR);
	ssize_t r = real_write(fd, b, n);
	dirty(t, off, r);
	pthread_mutex_unlock(&mu);
	return r;
}

static ssize_t pw(ssize_t (*real)(int, const void *, size_t, off_t), int fd, const void *b, size_t n, off_t off)
{
	pthread_mutex_lock(&mu);
	struct tracked *t = byfd(fd);
	if (!t) {
		pthread_mutex_unlock(&mu);
		return real(fd, b, n, off);
	}
	tick();
	ssize_t r = real(fd, b, n, off);
	dirty(t, off, r);
	pthread_mutex_unlock(&mu);
	return r;
}

ssize_t pwrite(int fd, const void *b, size_t n, off_t off) { return pw(real_pwrite, fd, b, n, off); }
ssize_t pwrite64(int fd, const void *b, size_t n, off_t off) { return pw(real_pwrite64, fd, b, n, off); }

static int trunc_(int (*real)(int, off_t), int fd, off_t len)
{
	pthread_mutex_lock(&mu);
	struct tracked *t = byfd(fd);
	if (!t) {
		pthread_mutex_unlock(&mu);
		return real(fd, len);
	}
	tick();
	int r = real(fd, len);
	if (r == 0 && (t->minsize < 0 || len < t->minsize))
		t->minsize = len;
	pthread_mutex_unlock(&mu);
	return r;
}

int ftruncate(int fd, off_t len) { return trunc_(real_ftruncate, fd, len); }
int ftruncate64(int fd, off_t len) { return trunc_(real_ftruncate64, fd, len); }

static int sync_(int (*real)(int), int fd)
{
	pthread_mutex_lock(&mu);
	struct tracked *t = byfd(fd);
	if (!t) {
		pthread_mutex_unlock(&mu);
		return real(fd);
	}
	tick();
	int r = real(fd);
	if (r == 0)
		syncfile(t, fd);
	pthread_mutex_unlock(&mu);
	return r;
}

int fsync(int fd) { return sync_(real_fsync, fd); }
int fdatasync(int fd) { return sync_(real_fdatasync, fd); }

int unlink(const char *path)
{
	pthread_mutex_lock(&mu);
	char abs[PATH_MAX];
	struct tracked *t = NULL;
	if (watchlen && realpath(path, abs))
		t = byname(abs);
	if (!t) {
		pthread_mutex_unlock(&mu);
		return real_unlink(path);
	}
	tick();
	int r = real_unlink(path);
	if (r == 0) {
		char p[SHADOWPATH + 8];
		syscall(SYS_unlinkat, AT_FDCWD, shadowpath(t, p), 0);
		syscall(SYS_unlinkat, AT_FDCWD, pendingpath(t, p), 0);
		if (t->pending >= 0)
			syscall(SYS_close, t->pending);
		t->pending = -1;
		t->n = 0;
		t->minsize = -1;
	}
	pthread_mutex_unlock(&mu);
	return r;
}

/* failread reports whether a read of fd must fail with EIO now. */
static int failread(int fd)
{
	if (!eiofile[0] || syscall(SYS_faccessat, AT_FDCWD, eiofile, F_OK, 0) != 0)
		return 0;
	pthread_mutex_lock(&mu);
	int watched = byfd(fd) != NULL;
	pthread_mutex_unlock(&mu);
	return watched;
}

ssize_t read(int fd, void *b, size_t n)
{
	if (failread(fd)) {
		errno = EIO;
		return -1;
	}
	return real_read(fd, b, n);
}

ssize_t pread(int fd, void *b, size_t n, off_t off)
{
	if (failread(fd)) {
		errno = EIO;
		return -1;
	}
	return real_pread(fd, b, n, off);
}

ssize_t pread64(int fd, void *b, size_t n, off_t off)
{
	if (failread(fd)) {
		errno = EIO;
		return -1;
	}
	return real_pread64(fd, b, n, off);
}
