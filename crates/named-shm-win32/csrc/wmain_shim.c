/*
 * main() for programs whose entry point is wmain (_tmain in _UNICODE builds).
 * scripts/wincc links this object into every program. main is weak here, so
 * a program that defines its own main never uses it. wmain is looked up
 * under its C name and the C++ manglings of its usual signatures.
 */
#include <stdio.h>

typedef unsigned short nshm_wchar;
typedef int (*nshm_wmain_fn)(int, nshm_wchar **, nshm_wchar **);

extern nshm_wchar **named_shm_win32_wide_argv(int argc, char **argv);

extern int nshm_wmain_c() __asm__("wmain") __attribute__((weak));
extern int nshm_wmain_v() __asm__("_Z5wmainv") __attribute__((weak));
extern int nshm_wmain_av() __asm__("_Z5wmainiPPw") __attribute__((weak));
extern int nshm_wmain_ave() __asm__("_Z5wmainiPPwS0_") __attribute__((weak));

__attribute__((weak)) int main(int argc, char **argv, char **envp)
{
    nshm_wmain_fn f = (nshm_wmain_fn)(void *)nshm_wmain_c;
    if (!f) f = (nshm_wmain_fn)(void *)nshm_wmain_av;
    if (!f) f = (nshm_wmain_fn)(void *)nshm_wmain_ave;
    if (!f) f = (nshm_wmain_fn)(void *)nshm_wmain_v;
    if (!f) {
        fputs("named-shm-win32: the program defines neither main nor wmain\n", stderr);
        return 1;
    }
    int envc = 0;
    while (envp && envp[envc])
        envc++;
    nshm_wchar **wargv = named_shm_win32_wide_argv(argc, argv);
    nshm_wchar **wenvp = named_shm_win32_wide_argv(envc, envp);
    return f(argc, wargv, wenvp);
}
