/* cmd_readonly.c - which commands only read (allowed in a read-only console): the list of
 * command names (by their leading words) that change neither the workspace files, the state
 * store nor a destination. */
#include <string.h>

#include "core/core.h"

/* Command names (words); a one-word prefix such as "export" covers all its subcommands. */
static const char *const readonly_cmds[] = {
    "help",           "version",          "flow list",         "flow status",
    "flow logs",      "connection list",  "connection show",   "jobs",
    "runs",           "state show",       "metrics",           "export",
    "parquet inspect", "manifest validate", "source spec",      "source check",
    "source discover", "destination spec", "check",            "discover",
};

/* Whether argv starts with the words of name. */
static bool starts_with_words(const char *name, int argc, char **argv)
{
    const char *p = name;
    int i = 0;
    while (*p) {
        size_t len = strcspn(p, " ");
        if (i >= argc || strlen(argv[i]) != len || strncmp(argv[i], p, len) != 0)
            return false;
        p += len;
        p += *p == ' ';
        i++;
    }
    return true;
}

/* Whether a command line only reads. */
bool core_cmd_readonly(int argc, char **argv)
{
    if (argc < 1 || !argv)
        return false;
    for (size_t i = 0; i < sizeof readonly_cmds / sizeof *readonly_cmds; i++)
        if (starts_with_words(readonly_cmds[i], argc, argv))
            return true;
    return false;
}
