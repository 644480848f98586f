// SPDX-License-Identifier: GPL-2.0
/* The importer's tracepoints are instantiated here, once. */
#define CREATE_TRACE_POINTS
#include "trace.h"
