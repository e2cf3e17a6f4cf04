/* check_int.h - helpers shared by check_eval.c and check_drift.c. Not for use outside
 * src/quality. */
#ifndef QUALITY_CHECK_INT_H
#define QUALITY_CHECK_INT_H

#include <stdbool.h>

#include "quality/quality.h"

/* Sets out->verdict: pass when ok, else fail or warn by the check's severity. */
void qual_verdict_set(const struct qual_check *c, bool ok, struct qual_result *out);

/* schema_drift: this run's catalog schema of the stream vs the previous successful run's. */
void qual_eval_schema_drift(const struct qual_check *c, const struct qual_eval_ctx *ctx,
                            struct qual_result *out);

#endif
