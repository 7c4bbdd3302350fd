#pragma once

// QCustomPlot's header uses `foreach` in inline templates, which ui/ forbids with QT_NO_FOREACH. Lift the ban
// around the include (as hotspot does); when an earlier Qt header already skipped the foreach definitions, give
// the header a range-for stand-in so include order does not matter.
#ifdef QT_NO_FOREACH
#undef QT_NO_FOREACH
#define SLIMSCOPE_RESTORE_QT_NO_FOREACH
#endif
#ifndef foreach
#define foreach(variable, container) for (variable : container)
#define SLIMSCOPE_UNDEF_FOREACH
#endif

#include <qcustomplot.h>

#ifdef SLIMSCOPE_UNDEF_FOREACH
#undef foreach
#undef SLIMSCOPE_UNDEF_FOREACH
#endif
#ifdef SLIMSCOPE_RESTORE_QT_NO_FOREACH
#define QT_NO_FOREACH
#undef SLIMSCOPE_RESTORE_QT_NO_FOREACH
#endif
