/* msg_int.h - private to src/base: helpers shared by msg.c (messages) and msg_catalog.c
 * (catalogs, modes, paths, state lookup). Not part of the base module's interface. */
#ifndef WV_MSG_INT_H
#define WV_MSG_INT_H

#include <stddef.h>

#include "base/json.h"

/* Index of s in names[0..n) (s and names borrowed), or -1 when absent or s is NULL. */
int wv_msg_int_name_index(const char *s, const char *const *names, size_t n);

/* Sets obj[key] to a string copy of s unless s is NULL (obj borrowed, s copied). */
void wv_msg_int_set_opt_str(struct wv_json *obj, const char *key, const char *s);

#endif
