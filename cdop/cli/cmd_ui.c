/* `cdop ui`: the browser UI (cdop/web, SPEC §7), started through web's own
 * entry point; the CLI only words a usage error its way. */
#include "cdop/cli/cli.h"
#include "cdop/cli/testing.h"

int cmd_ui(struct cli *c, int argc, char **argv)
{
	int ret = web_ui_main(argc, argv, c->register_path, cli_testing_today(),
			      cli_lock_timeout_ms(), &c->reg.e);

	if (ret > 0)
		return c->reg.e.msg[0] ? CLI_ERR_USAGE : cli_usage(c);
	return ret;
}
