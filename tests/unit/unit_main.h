/* The unit tests linked into one program per library set (CDOP_UNIT_GROUPED,
 * tests/CMakeLists.txt): each test file is compiled with main renamed
 * (-Dmain=unit_main_<file>) and this header forced in (-include), so its
 * main has a prototype; tests/unit/unit_main.c calls the one the first
 * argument names. unit_list.h is generated, one line per test file:
 * UNIT_MAIN(name) for `int main(void)`, UNIT_MAIN_ARGS(name) for
 * `int main(int argc, char **argv)`. */
#ifndef CDOP_UNIT_MAIN_H
#define CDOP_UNIT_MAIN_H

#define UNIT_MAIN(n) int unit_main_##n(void);
#define UNIT_MAIN_ARGS(n) int unit_main_##n(int argc, char **argv);
#include "unit_list.h"
#undef UNIT_MAIN
#undef UNIT_MAIN_ARGS

#endif
