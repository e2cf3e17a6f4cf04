/* rawid.c - _airbyte_raw_id values: UUID v4 text from a per-writer random seed (getrandom,
 * else /dev/urandom) mixed with a counter, so ids are unique without a syscall per record and
 * one writer never repeats one. Used by the JSONL raw zone (raw.c) and the Parquet zone
 * (zone.c). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "storage/storage_int.h"

/* Fills the 128-bit seed. */
int stor_rawid_init(struct stor_rawid *g, struct wv_error *err)
{
    unsigned char b[16];
    size_t got = 0;
    while (got < sizeof b) {
        ssize_t n = getrandom(b + got, sizeof b - got, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    if (got < sizeof b) {
        int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            return wv_error_errno(err, errno, "open /dev/urandom");
        ssize_t n = read(fd, b, sizeof b);
        int e = errno;
        close(fd);
        if (n != (ssize_t)sizeof b)
            return wv_error_errno(err, n < 0 ? e : EIO, "read /dev/urandom");
    }
    memcpy(&g->seed_hi, b, 8);
    memcpy(&g->seed_lo, b + 8, 8);
    g->counter = 0;
    return 0;
}

/* A bijection on 62-bit values (xorshift-multiply rounds, each invertible mod 2^62). */
static uint64_t mix62(uint64_t x)
{
    const uint64_t m = (UINT64_C(1) << 62) - 1;
    x &= m;
    x ^= x >> 31;
    x = (x * UINT64_C(0xbf58476d1ce4e5b9)) & m;
    x ^= x >> 29;
    x = (x * UINT64_C(0x94d049bb133111eb)) & m;
    x ^= x >> 32;
    return x;
}

/* Writes the next UUID v4 text (36 chars, no NUL). The low 62 bits are a bijection of the
 * counter, so ids of one generator never repeat. */
void stor_rawid_next(struct stor_rawid *g, char out[36])
{
    static const char hex[] = "0123456789abcdef";
    uint64_t c = g->counter++;
    uint64_t hi = g->seed_hi ^ mix62(c * UINT64_C(0x9e3779b97f4a7c15) + 1);
    uint64_t lo = g->seed_lo ^ mix62(c);
    hi = (hi & ~UINT64_C(0xf000)) | UINT64_C(0x4000);
    lo = (lo & ((UINT64_C(1) << 62) - 1)) | (UINT64_C(1) << 63);
    int o = 0;
    for (int i = 0; i < 32; i++) {
        if (i == 8 || i == 12 || i == 16 || i == 20)
            out[o++] = '-';
        uint64_t v = i < 16 ? hi >> (60 - 4 * i) : lo >> (60 - 4 * (i - 16));
        out[o++] = hex[v & 15];
    }
}
