/* getopt lives in unistd.h. */
#include <unistd.h>
