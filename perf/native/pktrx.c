/*
 * Receiving from a packet socket: recvmmsg into the caller's buffers against a TPACKET_V3 mmap ring, the two ways
 * issue 13 names for xbow's uplink. Each mode delivers every frame into a 2 KiB slot of one buffer, as xbow's pool
 * wants it: recvmmsg has the kernel write there; the ring's frames are copied out (xbow cannot hand the ring's
 * memory to the switch: frames stay in the pool until every output took them).
 *
 *   pktrx send IFNAME SECONDS          blast 64-byte frames with sendmmsg (run it in the peer's namespace)
 *   pktrx recv IFNAME SECONDS mmsg     recvmmsg, 32 frames per call, poll(2) when none wait
 *   pktrx recv IFNAME SECONDS v3       TPACKET_V3 ring (64 blocks of 256 KiB, 1 ms block timeout), copying out
 *   pktrx recv IFNAME SECONDS v2       TPACKET_V2 ring (8192 frames of 2 KiB, each handed over on its own)
 *   pktrx pace IFNAME SECONDS          send one frame per millisecond, its send time inside
 *   pktrx ping IFNAME SECONDS MODE     receive those: the delay from send to receipt, median and 90th percentile
 *                                      (v3 holds frames until a block is full or retired by its timeout)
 *
 * Prints frames received, frames per second and the receiver's CPU time per frame (user + system).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 32
#define SLOT 2048
#define POOL_SLOTS 4096

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static double cpu(void)
{
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return u.ru_utime.tv_sec + u.ru_utime.tv_usec / 1e6 + u.ru_stime.tv_sec + u.ru_stime.tv_usec / 1e6;
}

static int open_socket(const char *ifname)
{
    int fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
    if (fd < 0) { perror("socket"); exit(1); }
    struct sockaddr_ll at = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL),
                              .sll_ifindex = (int)if_nametoindex(ifname) };
    if (at.sll_ifindex == 0 || bind(fd, (struct sockaddr *)&at, sizeof at) < 0) { perror(ifname); exit(1); }
    return fd;
}

static int paced; /* ping mode: one frame per millisecond, its send time inside */
static double delays[200000];
static long delay_count;

static void note_delay(const unsigned char *frame)
{
    if (paced && delay_count < 200000)
    {
        double sent;
        memcpy(&sent, frame + 14, sizeof sent);
        delays[delay_count++] = now() - sent;
    }
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void send_frames(const char *ifname, double seconds)
{
    int fd = open_socket(ifname);
    static unsigned char frame[64];
    memset(frame, 0xff, 6);                                     /* broadcast, so the receiver need not be promiscuous */
    memcpy(frame + 6, "\x02\x00\x00\x00\x00\x01", 6);
    frame[12] = 0x88; frame[13] = 0xb5;                         /* local experimental EtherType */
    struct iovec iov = { frame, sizeof frame };
    struct mmsghdr msgs[BATCH];
    memset(msgs, 0, sizeof msgs);
    for (int i = 0; i < BATCH; i++) { msgs[i].msg_hdr.msg_iov = &iov; msgs[i].msg_hdr.msg_iovlen = 1; }
    long sent = 0;
    double end = now() + seconds;
    while (now() < end)
    {
        if (paced)
        {
            double t = now();
            memcpy(frame + 14, &t, sizeof t);
            if (send(fd, frame, sizeof frame, 0) > 0) sent++;
            struct timespec ms = { 0, 1000000 };
            nanosleep(&ms, NULL);
            continue;
        }
        int n = sendmmsg(fd, msgs, BATCH, 0);
        if (n > 0) sent += n;
    }
    printf("sent %ld frames\n", sent);
}

static long recv_mmsg(int fd, unsigned char *pool, double end)
{
    struct iovec iov[BATCH];
    struct mmsghdr msgs[BATCH];
    long frames = 0;
    int slot = 0;
    while (now() < end)
    {
        memset(msgs, 0, sizeof msgs);
        for (int i = 0; i < BATCH; i++)
        {
            iov[i].iov_base = pool + (size_t)((slot + i) % POOL_SLOTS) * SLOT;
            iov[i].iov_len = SLOT;
            msgs[i].msg_hdr.msg_iov = &iov[i];
            msgs[i].msg_hdr.msg_iovlen = 1;
        }
        int n = recvmmsg(fd, msgs, BATCH, MSG_DONTWAIT, NULL);
        if (n <= 0)
        {
            struct pollfd p = { fd, POLLIN, 0 };
            poll(&p, 1, 10);
            continue;
        }
        for (int i = 0; i < n; i++) note_delay(iov[i].iov_base);
        frames += n;
        slot = (slot + n) % POOL_SLOTS;
    }
    return frames;
}

static long recv_v2(int fd, unsigned char *pool, double end)
{
    int version = TPACKET_V2;
    if (setsockopt(fd, SOL_PACKET, PACKET_VERSION, &version, sizeof version) < 0) { perror("PACKET_VERSION"); exit(1); }
    struct tpacket_req req = { .tp_block_size = 1 << 16, .tp_block_nr = 256, .tp_frame_size = SLOT,
                               .tp_frame_nr = (1 << 16) / SLOT * 256 };
    if (setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof req) < 0) { perror("PACKET_RX_RING"); exit(1); }
    size_t size = (size_t)req.tp_block_size * req.tp_block_nr;
    unsigned char *ring = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_LOCKED, fd, 0);
    if (ring == MAP_FAILED) { perror("mmap"); exit(1); }
    long frames = 0;
    int slot = 0;
    unsigned frame = 0;
    while (now() < end)
    {
        struct tpacket2_hdr *h = (void *)(ring + (size_t)frame * SLOT);
        if (!(__atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER))
        {
            struct pollfd p = { fd, POLLIN | POLLERR, 0 };
            poll(&p, 1, 10);
            continue;
        }
        memcpy(pool + (size_t)slot * SLOT, (unsigned char *)h + h->tp_mac, h->tp_snaplen);
        note_delay(pool + (size_t)slot * SLOT);
        slot = (slot + 1) % POOL_SLOTS;
        __atomic_store_n(&h->tp_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
        frame = (frame + 1) % req.tp_frame_nr;
        frames++;
    }
    return frames;
}

static long recv_v3(int fd, unsigned char *pool, double end)
{
    int version = TPACKET_V3;
    if (setsockopt(fd, SOL_PACKET, PACKET_VERSION, &version, sizeof version) < 0) { perror("PACKET_VERSION"); exit(1); }
    struct tpacket_req3 req = { .tp_block_size = 1 << 18, .tp_block_nr = 64, .tp_frame_size = SLOT,
                                .tp_frame_nr = (1 << 18) / SLOT * 64, .tp_retire_blk_tov = 1 };
    if (setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof req) < 0) { perror("PACKET_RX_RING"); exit(1); }
    size_t size = (size_t)req.tp_block_size * req.tp_block_nr;
    unsigned char *ring = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_LOCKED, fd, 0);
    if (ring == MAP_FAILED) { perror("mmap"); exit(1); }
    long frames = 0;
    int slot = 0;
    unsigned block = 0;
    while (now() < end)
    {
        struct tpacket_block_desc *desc = (void *)(ring + (size_t)block * req.tp_block_size);
        if (!(__atomic_load_n(&desc->hdr.bh1.block_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER))
        {
            struct pollfd p = { fd, POLLIN | POLLERR, 0 };
            poll(&p, 1, 10);
            continue;
        }
        unsigned count = desc->hdr.bh1.num_pkts;
        struct tpacket3_hdr *h = (void *)((unsigned char *)desc + desc->hdr.bh1.offset_to_first_pkt);
        for (unsigned i = 0; i < count; i++)
        {
            memcpy(pool + (size_t)slot * SLOT, (unsigned char *)h + h->tp_mac, h->tp_snaplen);
            note_delay(pool + (size_t)slot * SLOT);
            slot = (slot + 1) % POOL_SLOTS;
            h = (void *)((unsigned char *)h + h->tp_next_offset);
        }
        frames += count;
        __atomic_store_n(&desc->hdr.bh1.block_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
        block = (block + 1) % req.tp_block_nr;
    }
    return frames;
}

int main(int argc, char **argv)
{
    if (argc < 4) { fprintf(stderr, "usage: pktrx send|recv IFNAME SECONDS [mmsg|v3]\n"); return 2; }
    double seconds = atof(argv[3]);
    paced = strcmp(argv[1], "ping") == 0 || strcmp(argv[1], "pace") == 0;
    if (strcmp(argv[1], "send") == 0 || strcmp(argv[1], "pace") == 0) { send_frames(argv[2], seconds); return 0; }
    if (argc < 5) { fprintf(stderr, "recv and ping need a mode: mmsg, v2 or v3\n"); return 2; }
    int fd = open_socket(argv[2]);
    unsigned char *pool = aligned_alloc(4096, (size_t)POOL_SLOTS * SLOT);
    memset(pool, 0, (size_t)POOL_SLOTS * SLOT);
    double t0 = now(), c0 = cpu();
    long frames = strcmp(argv[4], "v3") == 0 ? recv_v3(fd, pool, t0 + seconds) :
        strcmp(argv[4], "v2") == 0 ? recv_v2(fd, pool, t0 + seconds) : recv_mmsg(fd, pool, t0 + seconds);
    double t = now() - t0, c = cpu() - c0;
    struct tpacket_stats_v3 st;
    socklen_t len = sizeof st;
    getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, &st, &len);
    if (paced)
    {
        qsort(delays, delay_count, sizeof delays[0], by_value);
        printf("%s: %ld frames one per ms, delay from send to receipt: median %.0f us, p90 %.0f us\n", argv[4],
               delay_count, delay_count ? delays[delay_count / 2] * 1e6 : 0.0,
               delay_count ? delays[delay_count * 9 / 10] * 1e6 : 0.0);
        return 0;
    }
    printf("%s: %ld frames, %.0f frames/s, %.0f ns CPU per frame, %u dropped by the socket\n", argv[4], frames,
           frames / t, frames ? c * 1e9 / frames : 0.0, st.tp_drops);
    return 0;
}
