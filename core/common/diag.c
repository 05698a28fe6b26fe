#include "err.h"

#include <stdio.h>

static char g_message[1024];
static int g_code;

int diag_vset(int code, const char *fmt, va_list ap)
{
    vsnprintf(g_message, sizeof g_message, fmt, ap);
    g_code = code;
    return code;
}

int diag_set(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diag_vset(code, fmt, ap);
    va_end(ap);
    return code;
}

const char *diag_message(void)
{
    if (g_message[0] == '\0')
        return err_name(g_code);
    return g_message;
}

int diag_code(void)
{
    return g_code;
}

void diag_clear(void)
{
    g_message[0] = '\0';
    g_code = 0;
}

const char *err_name(int code)
{
    switch (code) {
    case 0: return "success";
    case ERR_NOMEM: return "out of memory";
    case ERR_IO: return "input/output error";
    case ERR_INVALID: return "invalid argument";
    case ERR_UNSUPPORTED: return "not supported";
    case ERR_NOPROC: return "no such process";
    case ERR_PERM: return "permission denied";
    case ERR_NOTPYTHON: return "not a Python process";
    case ERR_VERSION: return "unsupported Python version";
    case ERR_READ: return "memory read failed";
    case ERR_CORRUPT: return "inconsistent data in target";
    case ERR_NOTREADY: return "interpreter not initialised";
    case ERR_PLUGIN: return "plugin failure";
    case ERR_USAGE: return "usage error";
    case ERR_INTERRUPTED: return "interrupted";
    default: return "error";
    }
}
