/* Copied from the Linux-guest harness (shared/bench/linux-guest/mcload.c) so that bench/run.sh net
 * builds on its own. */
/* mcload: tiny closed-loop memcached (ASCII protocol) load generator that reports
 * ops/s and latency percentiles (memaslap, the Debian-packaged one, only gives avg and
 * a log2 histogram).  One thread, epoll, C connections with one request in flight each.
 *   mcload HOST PORT [-c conns=16] [-t seconds=10] [-k keys=10000] [-v valsize=64] [-s set%=10]
 * Keys are preloaded first, so GETs hit.  Bounded: stops after -t seconds. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/time.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAXUS 1000000 /* histogram: 1 us buckets up to 1 s */
static uint32_t hist[MAXUS + 1];
static char val[65536];
struct conn { int fd, is_set, len; uint64_t t0; char buf[70000]; };

static uint64_t now_ns(void) {
  struct timespec ts; clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}
static void die(const char *m) { perror(m); exit(1); }

static void send_req(struct conn *c, int keys, int vsz, int setpct, int force_set, int key) {
  char req[70000]; int n;
  if (key < 0) key = rand() % keys;
  c->is_set = force_set || (rand() % 100) < setpct;
  if (c->is_set) n = snprintf(req, sizeof req, "set key:%08d 0 0 %d\r\n%s\r\n", key, vsz, val);
  else n = snprintf(req, sizeof req, "get key:%08d\r\n", key);
  c->len = 0; c->t0 = now_ns();
  for (int off = 0; off < n;) {  /* requests are small: a blocking-ish loop is fine */
    int w = write(c->fd, req + off, n - off);
    if (w < 0 && errno != EAGAIN) die("write");
    if (w > 0) off += w;
  }
}
/* 1 = full response in buffer, -1 = error reply, 0 = need more bytes */
static int complete(struct conn *c) {
  char *b = c->buf; int l = c->len;
  if (l < 2 || b[l - 2] != '\r' || b[l - 1] != '\n') return 0;
  if (!strncmp(b, "ERROR", 5) || !strncmp(b, "SERVER_ERROR", 12) || !strncmp(b, "CLIENT_ERROR", 12)) return -1;
  if (c->is_set) return 1;
  return l >= 5 && !memcmp(b + l - 5, "END\r\n", 5);
}

int main(int argc, char **argv) {
  if (argc < 3) { fprintf(stderr, "usage: mcload HOST PORT [-c conns] [-t secs] [-k keys] [-v valsize] [-s set%%]\n"); return 2; }
  int conns = 16, secs = 10, keys = 10000, vsz = 64, setpct = 10, opt;
  optind = 3;
  while ((opt = getopt(argc, argv, "c:t:k:v:s:")) != -1) switch (opt) {
    case 'c': conns = atoi(optarg); break; case 't': secs = atoi(optarg); break;
    case 'k': keys = atoi(optarg); break; case 'v': vsz = atoi(optarg); break;
    case 's': setpct = atoi(optarg); break; default: return 2; }
  if (vsz >= (int)sizeof val) vsz = sizeof val - 1;
  memset(val, 'x', vsz);
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[2]))};
  if (inet_pton(AF_INET, argv[1], &sa.sin_addr) != 1) { fprintf(stderr, "bad IPv4 address\n"); return 2; }
  int ep = epoll_create1(0);
  struct conn *cs = calloc(conns, sizeof *cs);
  for (int i = 0; i < conns; i++) {
    int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct timeval tv = {.tv_sec = 5};
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv); /* bounds connect() */
    if (connect(fd, (void *)&sa, sizeof sa) < 0) die("connect");
    fcntl(fd, F_SETFL, O_NONBLOCK);
    cs[i].fd = fd;
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &cs[i]};
    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
  }
  struct epoll_event evs[256];
  uint64_t done = 0, errs = 0, sum = 0, maxl = 0, preload = keys, pk = 0;
  int phase = 0; /* 0 preload, 1 measure */
  for (int i = 0; i < conns && pk < preload; i++) send_req(&cs[i], keys, vsz, setpct, 1, pk++);
  uint64_t t_start = now_ns(), t_end = t_start + 30ull * 1000000000ull; /* preload cap 30 s */
  uint64_t inflight = pk < (uint64_t)conns ? pk : (uint64_t)conns;
  while (1) {
    int n = epoll_wait(ep, evs, 256, 1000);
    uint64_t t = now_ns();
    if (t >= t_end) break;
    for (int i = 0; i < n; i++) {
      struct conn *c = evs[i].data.ptr;
      int r = read(c->fd, c->buf + c->len, sizeof c->buf - c->len - 1);
      if (r == 0) { fprintf(stderr, "server closed connection\n"); return 1; }
      if (r < 0) { if (errno == EAGAIN) continue; die("read"); }
      c->len += r;
      int st = complete(c);
      if (!st) continue;
      if (phase == 1) {
        uint64_t us = (t - c->t0) / 1000; sum += us; if (us > maxl) maxl = us;
        hist[us > MAXUS ? MAXUS : us]++; done++; if (st < 0) errs++;
      } else if (st < 0) errs++;
      if (phase == 0) {
        inflight--;
        if (pk < preload) { send_req(c, keys, vsz, setpct, 1, pk++); inflight++; }
        else if (inflight == 0) { /* preload done: start the measured phase on every conn */
          phase = 1; t_start = now_ns(); t_end = t_start + (uint64_t)secs * 1000000000ull;
          for (int j = 0; j < conns; j++) send_req(&cs[j], keys, vsz, setpct, 0, -1);
        }
      } else send_req(c, keys, vsz, setpct, 0, -1);
    }
  }
  double el = (now_ns() - t_start) / 1e9;
  if (phase == 0) { fprintf(stderr, "preload did not finish\n"); return 1; }
  uint64_t p[4] = {0}, acc = 0; double q[4] = {0.5, 0.9, 0.99, 0.999};
  for (int i = 0, k = 0; i <= MAXUS && k < 4; i++) {
    acc += hist[i];
    while (k < 4 && acc >= q[k] * done) p[k++] = i;
  }
  printf("conns=%d secs=%.1f ops=%lu ops_per_s=%.0f avg_us=%.1f p50_us=%lu p90_us=%lu p99_us=%lu p999_us=%lu max_us=%lu errors=%lu\n",
         conns, el, done, done / el, done ? (double)sum / done : 0, p[0], p[1], p[2], p[3], maxl, errs);
  return errs ? 1 : 0;
}
