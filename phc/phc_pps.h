/**
 * @file phc_pps.h
 * @brief The optional PPS input checking PHC A (phc_pps.c).
 */
#ifndef PB_PHC_PPS_H
#define PB_PHC_PPS_H

#include <stdint.h>

/** Open [clock] pps_device ("" = off). @return 0, or -1 (logged) */
int phc_pps_start(const char *path);
/** @return 1 and the edge's offset from the second (ns) when a new pulse came, 0 if none, -1 on error */
int phc_pps_poll(int64_t *offset_ns);
void phc_pps_stop(void);
/** Fold a fraction of a second into -0.5 s .. +0.5 s, in ns. */
int64_t phc_pps_fold(long nsec);

#endif
