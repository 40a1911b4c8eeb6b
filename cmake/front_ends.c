/* cdop/cli and cdop/web do not include each other, so the CLI declares
 * web's entry point web_ui_main itself (cli.h). This file, part of the
 * cdop binary, reads both declarations: if they ever differ, the build
 * stops with "conflicting types for 'web_ui_main'". */
#include "cdop/cli/cli.h"
#include "cdop/web/web.h"
