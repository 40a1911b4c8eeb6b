/*
 * The import's floor under the project's rules: jansson (the JSON parser
 * cdop must use; no hand-rolled one) parsing every line of a JSON Lines
 * file, one thread, and nothing else: no validation, no storage.
 *
 * usage: jansson_floor FILE.jsonl
 *
 * Built and run by bench/run.sh beside cdop's import and the Python
 * baseline's, on the same file. Not part of cdop: bench code.
 */
#include <jansson.h>

#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	FILE *f;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	long lines = 0;

	if (argc != 2 || !(f = fopen(argv[1], "r"))) {
		fprintf(stderr, "usage: jansson_floor FILE.jsonl\n");
		return 2;
	}
	while ((n = getline(&line, &cap, f)) > 0) {
		json_error_t err;
		json_t *doc = json_loadb(line, (size_t)n, 0, &err);

		if (!doc) {
			fprintf(stderr, "%s:%ld: %s\n", argv[1], lines + 1, err.text);
			return 1;
		}
		json_decref(doc);
		lines++;
	}
	free(line);
	fclose(f);
	printf("%ld\n", lines);
	return 0;
}
