/* p20_semaphore built UNICODE: CreateSemaphore/OpenSemaphore/CreateSemaphoreEx are the W functions. */
/* probe-flags: -DUNICODE -D_UNICODE */
#include "p20_semaphore.c"
