/* kinds.h: type and group classes for the judgement (kinds.c). Not installed. */
#ifndef RG_KINDS_H
#define RG_KINDS_H

#include "graph/graph_internal.h"

/* Containers and closure machinery that carry what a person wrote. */
RG_INTERNAL int rg_kind_is_plumbing(const char *type);
/* Objects named by a function's qualname (functions, frames, code...). */
RG_INTERNAL int rg_kind_is_function_like(const char *type);
/* A type a person wrote or names: a module-qualified Python class, a
 * JavaScript constructor that is not one of the language's own. */
RG_INTERNAL int rg_kind_is_user_type(const char *type);
/* A runtime's backing store of a container (a V8 Map's table): the
 * container that owns it is what a person would name. */
RG_INTERNAL int rg_kind_is_runtime_table(const char *type);
/* A runtime's own heap structures (V8's compiled code, maps, contexts' metadata). */
RG_INTERNAL int rg_kind_is_runtime_internal(const char *type);
/* A retention group held by the interpreter's own tables: by its root, the
 * first hop below the root, its type, and whether its chain passes through a
 * code object. */
RG_INTERNAL int rg_kind_is_interpreter_table(rg_root_kind root, const char *root_label,
                                             const char *first_hop, const char *item_type,
                                             int through_code);

#endif
