#include "cdop/store/store.h"

const char *cdop_strerror(int err)
{
	switch (err) {
	case CDOP_OK: return "success";
	case CDOP_ERR_INPUT: return "rejected input";
	case CDOP_ERR_NOTFOUND: return "not found";
	case CDOP_ERR_CONFLICT: return "conflict";
	case CDOP_ERR_ACCESS: return "access denied";
	case CDOP_ERR_DAMAGED: return "register damaged or tampered";
	case CDOP_ERR_IO: return "input/output error";
	case CDOP_ERR_INTERNAL: return "internal error";
	case CDOP_ERR_NOMEM: return "out of memory";
	case CDOP_ERR_BUSY: return "register is busy";
	case CDOP_ERR_VERSION: return "register from a newer cdop";
	}
	return "unknown error";
}
