#pragma once

// QCustomPlot's header uses `foreach` in inline templates, which ui/ forbids with QT_NO_FOREACH. Lift the ban
// around the include (as hotspot does). When an earlier Qt header already skipped Qt's definition, a range-for
// stand-in takes its place, so include order does not matter; either way the ban holds again after the include.
#ifdef QT_NO_FOREACH
#undef QT_NO_FOREACH
#define SLIMSCOPE_QCP_RESTORE_NO_FOREACH
#endif
#ifndef foreach
#define foreach(variable, container) for (variable : container)
#define SLIMSCOPE_QCP_UNDEF_FOREACH
#endif

#include <qcustomplot.h>

#if defined(SLIMSCOPE_QCP_UNDEF_FOREACH) || defined(SLIMSCOPE_QCP_RESTORE_NO_FOREACH)
#undef foreach
#endif
#ifdef SLIMSCOPE_QCP_RESTORE_NO_FOREACH
#define QT_NO_FOREACH
#endif
#undef SLIMSCOPE_QCP_UNDEF_FOREACH
#undef SLIMSCOPE_QCP_RESTORE_NO_FOREACH
