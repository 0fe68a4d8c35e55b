/**
 * @file slots.h
 * @brief The boot slots of the image, as `bridgectl status` shows them:
 * which slot runs, whether it is confirmed, what each slot holds, whether
 * the last update failed.  Read where bridgectl runs, from the files that
 * decide the boot (docs/image.md): the kernel command line (rauc.slot=),
 * GRUB's environment block (ORDER, X_OK, X_TRY), RAUC's central status
 * file (bundle version per slot), /etc/os-release and /etc/board.conf.
 */
#ifndef PB_PROG_SLOTS_H
#define PB_PROG_SLOTS_H

struct json_object;

/**
 * The "system" object for the status, or NULL when this system has no
 * boot slots (no rauc.slot= on the command line: a host build).  Every
 * path is taken under root ("" on the box; a directory in the tests).
 */
struct json_object *slots_read(const char *root);

#endif
