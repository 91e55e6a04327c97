/* types: see types.h. */
#include "types/types.h"

void t_list_init(void);
void t_hash_init(void);
void t_set_init(void);
void t_zset_init(void);

void types_init(void)
{
    t_list_init();
    t_hash_init();
    t_set_init();
    t_zset_init();
}
