/**
 * @file sandbox.h
 * @brief Hardening of bridged once it runs: a seccomp filter refusing the
 * system calls a time daemon never needs (Kconfig SECCOMP).
 */
#ifndef PB_SANDBOX_H
#define PB_SANDBOX_H

/**
 * Install the filter for every thread of the process (present and future).
 * @return 0, or -1 (logged; bridged carries on without it)
 */
int sandbox_apply(void);

#endif
