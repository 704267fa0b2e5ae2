/*
 * How long a thread asleep in epoll_wait takes to run after another thread makes its descriptor readable: the
 * price every frame pays that finds a user-space switch asleep (a ping through xbow or OVS pays it twice, once for
 * the switch and once for the pinging process; through the Linux bridge it pays nothing, the sender's own system
 * call carries the frame to the receiver's socket).
 *
 *   gcc -O2 -pthread -o /tmp/wakeup-latency perf/e2e/wakeup-latency.c
 *   /tmp/wakeup-latency            # the scheduler places both threads
 *   /tmp/wakeup-latency 0 1        # sleeper on CPU 0, waker on CPU 1: an idle CPU must be woken
 *   /tmp/wakeup-latency 1 1        # both on CPU 1
 *
 * The waker writes an eventfd every 5 ms (the harness's ping interval), long enough for an idle CPU to halt.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#define ROUNDS 200

static int event_fd;
static int epoll_fd;
static volatile long woken_at;
static long latency[ROUNDS];

static long now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000L + t.tv_nsec;
}

static void *sleeper(void *unused)
{
    struct epoll_event event;
    uint64_t value;
    for (int i = 0; i < ROUNDS; i++)
    {
        while (epoll_wait(epoll_fd, &event, 1, -1) != 1)
        {
        }
        latency[i] = now_ns() - woken_at;
        if (read(event_fd, &value, sizeof value) != sizeof value)
        {
            perror("read");
            exit(1);
        }
    }
    return unused;
}

static void pin(pthread_t thread, int cpu)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (pthread_setaffinity_np(thread, sizeof set, &set) != 0)
    {
        fprintf(stderr, "cannot pin to CPU %d\n", cpu);
        exit(2);
    }
}

static int by_value(const void *a, const void *b)
{
    const long x = *(const long *)a, y = *(const long *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    pthread_t thread;
    struct epoll_event event = { .events = EPOLLIN };
    event_fd = eventfd(0, EFD_NONBLOCK);
    epoll_fd = epoll_create1(0);
    if (event_fd < 0 || epoll_fd < 0 || epoll_ctl(epoll_fd, EPOLL_CTL_ADD, event_fd, &event) != 0)
    {
        perror("eventfd/epoll");
        return 1;
    }
    pthread_create(&thread, NULL, sleeper, NULL);
    if (argc == 3)
    {
        pin(thread, atoi(argv[1]));
        pin(pthread_self(), atoi(argv[2]));
    }
    for (int i = 0; i < ROUNDS; i++)
    {
        const uint64_t one = 1;
        usleep(5000);
        woken_at = now_ns();
        if (write(event_fd, &one, sizeof one) != sizeof one)
        {
            perror("write");
            return 1;
        }
    }
    pthread_join(thread, NULL);
    qsort(latency, ROUNDS, sizeof latency[0], by_value);
    printf("wakeup latency: p10 %.1f us, median %.1f us, p90 %.1f us (%d rounds)\n", latency[ROUNDS / 10] / 1e3,
        latency[ROUNDS / 2] / 1e3, latency[ROUNDS * 9 / 10] / 1e3, ROUNDS);
    return 0;
}
