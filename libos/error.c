/*
 * Error messages, from the one list in kern/abi/error.h.
 */
#include "libos.h"

#define ERROR_MSG(code, name, msg) [code] = msg,
static const char *const error_msgs[] = { ERROR_LIST(ERROR_MSG) };

/* The message of error err, given as -E_xxx or E_xxx. */
const char *
errstr(int64_t err)
{
	const char *msg = NULL;

	if (err < 0)
		err = -err;
	if (err == 0)
		return "success";
	if (err < (int64_t)(sizeof(error_msgs) / sizeof(error_msgs[0])))
		msg = error_msgs[err];
	return msg != NULL ? msg : "unknown error";
}
