/* init_int.h - files embedded at build time for `weaver init --demo`. */
#ifndef INIT_INT_H
#define INIT_INT_H

#include <stddef.h>

struct init_file {
    const char *path;          /* relative to the workspace */
    const unsigned char *data;
    size_t len;
};

/* The demo workspace (examples/demo), terminated by a NULL path. */
extern const struct init_file core_init_demo_files[];

#endif
