/*
 * Replays files through a fuzz target without libFuzzer, so the seed
 * corpora and every crash ever found (regressions/) run in the normal test
 * suite, under gcc and under ASan/UBSan. Arguments are files or
 * directories (their regular files, not recursively).
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long n;
	int ret = -1;

	if (!f)
		return -1;
	if (fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET))
		goto out;
	buf = malloc((size_t)n + 1);
	if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n)
		goto out;
	(void)LLVMFuzzerTestOneInput(buf, (size_t)n);
	ret = 0;
out:
	free(buf);
	fclose(f);
	return ret;
}

static int replay_dir(const char *dir, size_t *count)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[4096];
	struct stat st;
	int ret = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		if (stat(path, &st) || !S_ISREG(st.st_mode))
			continue;
		if (replay_file(path)) {
			fprintf(stderr, "replay: cannot read %s\n", path);
			ret = -1;
		}
		(*count)++;
	}
	closedir(d);
	return ret;
}

int main(int argc, char **argv)
{
	struct stat st;
	size_t count = 0;
	int i, ret = 0;

	for (i = 1; i < argc; i++) {
		if (stat(argv[i], &st)) {
			fprintf(stderr, "replay: no such file or directory: %s\n", argv[i]);
			ret = 1;
		} else if (S_ISDIR(st.st_mode)) {
			ret |= replay_dir(argv[i], &count) ? 1 : 0;
		} else {
			ret |= replay_file(argv[i]) ? 1 : 0;
			count++;
		}
	}
	printf("replayed %zu inputs\n", count);
	return ret;
}
