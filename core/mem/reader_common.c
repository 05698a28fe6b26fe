/* Backend-independent parts of the reader interface. */
#include "mem/reader.h"

void mem_reader_close(struct mem_reader *r)
{
    if (r)
        r->ops->destroy(r);
}

const char *mem_backend_name(enum mem_backend b)
{
    switch (b) {
    case MEM_BACKEND_AUTO: return "auto";
    case MEM_BACKEND_VM_READV: return "process_vm_readv";
    case MEM_BACKEND_PROC_MEM: return "proc_mem";
    }
    return "unknown";
}
