/* Ctrl-C and termination requests become a flag the sampling loop polls,
 * so the loop can stop cleanly and still write the output it collected. */
#ifndef CORE_SAMPLER_SIGNALS_H
#define CORE_SAMPLER_SIGNALS_H

void signals_install(void);
/* Non-zero once SIGINT (1) or SIGTERM/SIGHUP (2) arrived. */
int signals_stop_requested(void);
void signals_reset(void);

#endif
