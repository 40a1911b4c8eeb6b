/* `config show` and `config set KEY VALUE`: the register's settings. */
#include "cdop/cli/cli.h"
#include "cdop/store/store.h"

#include <stdio.h>
#include <string.h>

int cmd_config_show(struct cli *c, int argc, char **argv)
{
	json_t *list;
	int json = 0, ret = CDOP_OK;
	const char *key, *help;

	if (cli_json_flag(argc, argv, &json))
		return cli_usage(c);
	if (!(list = json_array()))
		return cli_fail(c, CDOP_ERR_NOMEM, "out of memory");
	for (size_t i = 0; !ret && (key = config_key_name(i, &help)) != NULL; i++) {
		char v[256];

		ret = config_get(&c->reg, key, v, sizeof v);
		if (ret)
			break;
		if (json)
			json_array_append_new(list, json_pack("{s:s, s:o, s:s}", "key", key,
				"value", *v ? json_string(v) : json_null(), "about", help));
		else
			printf("%-20s %s\n", key, *v ? v : "(not set)");
	}
	if (!ret && json)
		ret = cli_json_print(list);
	json_decref(list);
	return ret;
}

int cmd_config_set(struct cli *c, int argc, char **argv)
{
	char old[256];
	int ret;

	if (argc != 3)
		return cli_usage(c);
	ret = config_set(&c->reg, argv[1], argv[2], old, sizeof old);
	if (!ret)
		printf("%s: %s\n", argv[1], *argv[2] ? argv[2] : "(not set)");
	return ret;
}
