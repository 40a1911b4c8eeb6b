#include "cdop/cli/cli.h"
#include "cdop/store/store.h"
#include "crypto/secure.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#define PASS_MAX 1024
#define PASS_MIN_NEW 10

void passphrase_free(char *p, size_t len)
{
	(void)len;
	secure_free(p); /* wipes the whole allocation */
}

/* Reads one line from fd into a fresh secure buffer, without the newline. */
static int read_line(int fd, char **out, size_t *len)
{
	char *buf = secure_alloc(PASS_MAX + 1), ch;
	size_t n = 0;
	ssize_t got;

	if (!buf)
		return CDOP_ERR_NOMEM;
	while ((got = read(fd, &ch, 1)) == 1 || (got < 0 && errno == EINTR)) {
		if (got < 0)
			continue;
		if (ch == '\n')
			break;
		if (n == PASS_MAX) {
			secure_free(buf);
			return CDOP_ERR_INPUT;
		}
		buf[n++] = ch;
	}
	if (got < 0) { /* a read error (errno kept), not an empty line */
		int e = errno;

		secure_free(buf);
		errno = e;
		return CDOP_ERR_IO;
	}
	if (n && buf[n - 1] == '\r')
		n--;
	buf[n] = 0;
	*out = buf;
	*len = n;
	return CDOP_OK;
}

int passphrase_read_file(struct cli *c, const char *path, char **out, size_t *len)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC), ret;

	if (fd < 0)
		return cli_fail(c, CLI_ERR_USAGE, "cannot read passphrase file '%s': %s",
				path, strerror(errno));
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 077))
		fprintf(stderr, "cdop: warning: passphrase file '%s' can be read by "
			"others; chmod 600 it\n", path);
	ret = read_line(fd, out, len);
	if (ret == CDOP_ERR_IO) {
		ret = cli_fail(c, CLI_ERR_USAGE, "cannot read passphrase file '%s': %s",
			       path, strerror(errno));
		close(fd);
		return ret;
	}
	close(fd);
	if (ret == CDOP_ERR_INPUT)
		return cli_fail(c, CLI_ERR_USAGE, "passphrase in '%s' is longer than "
				"%d bytes", path, PASS_MAX);
	if (!ret && *len == 0) {
		secure_free(*out);
		*out = NULL;
		return cli_fail(c, CLI_ERR_USAGE, "passphrase file '%s' has an empty "
				"first line", path);
	}
	return ret;
}

static int no_terminal(struct cli *c)
{
	return cli_fail(c, CLI_ERR_USAGE, "no passphrase given and no terminal to ask "
			"on: give --passphrase-file FILE (or set CDOP_PASSPHRASE_FILE); "
			"a passphrase is never taken from the command line");
}

/*
 * While echo is off, a signal that ends the program (Ctrl-C, Ctrl-\, the
 * terminal closing, a kill) first gives the terminal its settings back,
 * then ends it as the signal would have: the user's shell is not left
 * typing blind. (tcsetattr is async-signal-safe.)
 */
static const int prompt_signals[] = { SIGINT, SIGQUIT, SIGTERM, SIGHUP };
#define NPROMPT_SIGNALS (sizeof prompt_signals / sizeof prompt_signals[0])
static struct termios prompt_saved;
static volatile sig_atomic_t prompt_tty = -1;

static void prompt_restore(int sig)
{
	struct sigaction dfl;

	if (prompt_tty >= 0)
		(void)tcsetattr(prompt_tty, TCSAFLUSH, &prompt_saved);
	memset(&dfl, 0, sizeof dfl);
	dfl.sa_handler = SIG_DFL;
	sigaction(sig, &dfl, NULL);
	raise(sig);
}

static int prompt_once(int tty, const char *prompt, char **out, size_t *len)
{
	struct sigaction on, before[NPROMPT_SIGNALS];
	struct termios quiet;
	size_t i;
	int ret;

	if (tcgetattr(tty, &prompt_saved))
		return CDOP_ERR_IO;
	quiet = prompt_saved;
	quiet.c_lflag &= (tcflag_t)~(ECHO | ECHONL);
	quiet.c_lflag |= ICANON;
	memset(&on, 0, sizeof on);
	on.sa_handler = prompt_restore;
	sigemptyset(&on.sa_mask);
	prompt_tty = tty;
	for (i = 0; i < NPROMPT_SIGNALS; i++) {
		sigaction(prompt_signals[i], NULL, &before[i]);
		if (before[i].sa_handler != SIG_IGN) /* an ignored one stays so */
			sigaction(prompt_signals[i], &on, NULL);
	}
	if (write(tty, prompt, strlen(prompt)) < 0 || tcsetattr(tty, TCSAFLUSH, &quiet))
		ret = CDOP_ERR_IO;
	else
		ret = read_line(tty, out, len);
	tcsetattr(tty, TCSAFLUSH, &prompt_saved);
	prompt_tty = -1;
	for (i = 0; i < NPROMPT_SIGNALS; i++)
		sigaction(prompt_signals[i], &before[i], NULL);
	if (write(tty, "\n", 1) < 0)
		ret = ret ? ret : CDOP_ERR_IO;
	return ret;
}

int passphrase_prompt(struct cli *c, const char *prompt, int twice,
		      char **out, size_t *len)
{
	char *again = NULL;
	size_t againlen = 0;
	int tty = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC), ret;

	if (tty < 0)
		return no_terminal(c);
	ret = prompt_once(tty, prompt, out, len);
	if (!ret && twice) {
		ret = prompt_once(tty, "Repeat it: ", &again, &againlen);
		if (!ret && (againlen != *len || secure_memcmp(again, *out, *len))) {
			secure_free(*out);
			*out = NULL;
			ret = cli_fail(c, CDOP_ERR_INPUT, "the two passphrases differ; "
				       "nothing was changed");
		}
		secure_free(again);
	}
	close(tty);
	if (ret == CDOP_ERR_IO)
		return cli_fail(c, ret, "cannot read the passphrase from the terminal");
	if (ret == CDOP_ERR_INPUT && !c->reg.e.msg[0])
		return cli_fail(c, ret, "passphrase longer than %d bytes", PASS_MAX);
	return ret;
}

int passphrase_current(struct cli *c)
{
	char prompt[128];

	if (c->pass)
		return CDOP_OK;
	if (c->passphrase_file && *c->passphrase_file)
		return passphrase_read_file(c, c->passphrase_file, &c->pass, &c->passlen);
	snprintf(prompt, sizeof prompt, "Passphrase for %.64s: ", c->user);
	return passphrase_prompt(c, prompt, 0, &c->pass, &c->passlen);
}

int passphrase_new(struct cli *c, const char *file, const char *who,
		   char **out, size_t *len)
{
	char prompt[128];
	int ret;

	if (file)
		ret = passphrase_read_file(c, file, out, len);
	else {
		snprintf(prompt, sizeof prompt, "New passphrase for %.64s: ", who);
		ret = passphrase_prompt(c, prompt, 1, out, len);
	}
	if (ret)
		return ret;
	if (*len < PASS_MIN_NEW) {
		secure_free(*out);
		*out = NULL;
		return cli_fail(c, CDOP_ERR_INPUT, "new passphrase for '%s' is too short: "
				"use at least %d characters (a few words is best)",
				who, PASS_MIN_NEW);
	}
	return CDOP_OK;
}
