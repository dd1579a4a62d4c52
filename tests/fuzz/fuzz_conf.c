/* libFuzzer target for the turnserver.conf parser: arbitrary file bytes
 * must give 0 or an error message, never a crash or a leak. */
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "conf/conf.h"
#include "fuzz.h"
#include "util/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int quiet;
	char path[64], err[CONF_ERR_MAX];
	struct conf *c;
	int fd;

	if (!quiet++)
		log_open(NULL, false, LOG_LVL_ERR);
	fd = memfd_create("fuzz_conf", 0);
	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	c = conf_new();
	if (c && conf_read_file(c, path, err, sizeof(err)) == 0)
		conf_validate(c, err, sizeof(err));
	conf_free(c);
	close(fd);
	return 0;
}
