/* hello: the smallest useful app, for boot wall time and the smallest --mem (gcc -O2 -static). */
#include <stdio.h>
int main(void) {
  puts("hello");
  return 0;
}
