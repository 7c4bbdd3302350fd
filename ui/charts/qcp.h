#pragma once

// QCustomPlot's header uses `foreach` in inline templates, which ui/ forbids with QT_NO_FOREACH. Lift the ban
// around the include (as hotspot does). Where `foreach` is not defined at this point (an earlier Qt header was
// read under the ban, or none yet), a range-for stand-in serves the header, so include order does not matter;
// either way the ban holds again after the include.
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
