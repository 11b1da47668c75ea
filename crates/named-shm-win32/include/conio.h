/* conio.h for named-shm-win32: console input without echo. */
#ifndef NAMED_SHM_WIN32_CONIO_H
#define NAMED_SHM_WIN32_CONIO_H
#ifdef __cplusplus
extern "C" {
#endif
/* One key from a terminal, without echo (raw mode for the call); one byte
 * from a pipe or file; -1 at once at end of input. */
int _getch(void);
/* As _getch, echoing the key. */
int _getche(void);
/* Non-zero when input is waiting. */
int _kbhit(void);
#define getch _getch
#define getche _getche
#define kbhit _kbhit
#ifdef __cplusplus
}
#endif
#endif
