/* Stand-in for FreeTrack-protocol head tracking (a tracker writes
 * FT_SharedMem under the FT_Mutext mutex; a game reads it), written as
 * portable code does it: the Windows branch under #ifdef _WIN32, a POSIX
 * branch otherwise (shm_open + flock, as opentrack's compat/shm.cpp).
 * Built with wincc it must take the Windows branch. */
#ifdef _WIN32
#include <windows.h>
#else
#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <unistd.h>
#endif
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <stdlib.h>

#define FREETRACK_HEAP "FT_SharedMem"
#define FREETRACK_MUTEX "FT_Mutext"
#define FRAMES 50

#pragma pack(push, 2)
typedef struct {
    uint32_t DataID;
    int32_t CamWidth, CamHeight;
    float Yaw, Pitch, Roll, X, Y, Z;
    float RawYaw, RawPitch, RawRoll, RawX, RawY, RawZ;
    float X1, Y1, X2, Y2, X3, Y3, X4, Y4;
} FTData;
typedef struct {
    FTData data;
    int32_t GameID;
    union {
        unsigned char table[8];
        int32_t table_ints[2];
    };
    int32_t GameID2;
} FTHeap;
#pragma pack(pop)

/* One shared-memory object with a lock, as compat/shm.cpp wraps it. */
typedef struct {
#ifdef _WIN32
    HANDLE map, mutex;
#else
    int fd;
#endif
    void *mem;
} shm_wrapper;

static int shm_open_wrapper(shm_wrapper *s, const char *shm_name, const char *mutex_name, int size)
{
#ifdef _WIN32
    s->map = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, size, shm_name);
    if (!s->map)
        return 0;
    s->mutex = CreateMutexA(NULL, FALSE, mutex_name);
    s->mem = MapViewOfFile(s->map, FILE_MAP_WRITE, 0, 0, size);
    return s->mem != NULL && s->mutex != NULL;
#else
    (void)mutex_name;
    char name[256];
    snprintf(name, sizeof name, "/%s", shm_name);
    s->fd = shm_open(name, O_RDWR | O_CREAT, 0600);
    if (s->fd < 0 || ftruncate(s->fd, size) != 0)
        return 0;
    s->mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, s->fd, 0);
    return s->mem != MAP_FAILED;
#endif
}
static void shm_lock(shm_wrapper *s)
{
#ifdef _WIN32
    WaitForSingleObject(s->mutex, INFINITE);
#else
    flock(s->fd, LOCK_EX);
#endif
}
static void shm_unlock(shm_wrapper *s)
{
#ifdef _WIN32
    ReleaseMutex(s->mutex);
#else
    flock(s->fd, LOCK_UN);
#endif
}
static void sleep_ms(int ms)
{
#ifdef _WIN32
    Sleep(ms);
#else
    usleep(ms * 1000);
#endif
}

static const char *branch(void)
{
#ifdef _WIN32
    return "_WIN32 (CreateFileMapping, FT_Mutext)";
#else
    return "POSIX (shm_open, flock)";
#endif
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc >= 2 && strcmp(argv[1], "roles") == 0) {
        printf("tracker& game\n");
        return 0;
    }
    if (argc < 3)
        return 2;
    char heap[128], mutex[128];
    snprintf(heap, sizeof heap, "%s-%s", FREETRACK_HEAP, argv[2]);
    snprintf(mutex, sizeof mutex, "%s-%s", FREETRACK_MUTEX, argv[2]);
    shm_wrapper s;
    if (!shm_open_wrapper(&s, heap, mutex, sizeof(FTHeap))) {
        printf("%s: open failed\n", argv[1]);
        return 1;
    }
    FTHeap *ft = (FTHeap *)s.mem;
    if (strcmp(argv[1], "tracker") == 0) {
        printf("tracker: branch %s, heap %d bytes\n", branch(), (int)sizeof(FTHeap));
        for (int f = 1; f <= FRAMES; f++) {
            shm_lock(&s);
            ft->data.Yaw = f * 0.5f;
            ft->data.Pitch = -f * 0.25f;
            ft->data.X = f * 2.0f;
            ft->data.CamWidth = 640;
            ft->data.CamHeight = 480;
            ft->data.DataID = f;
            shm_unlock(&s);
            sleep_ms(10);
        }
        /* Wait for the game to acknowledge (GameID2 = GameID). */
        for (int i = 0; i < 1000; i++) {
            shm_lock(&s);
            int ack = ft->GameID2 == 1234;
            shm_unlock(&s);
            if (ack)
                break;
            sleep_ms(10);
        }
        printf("tracker: game acknowledged: %d\n", ft->GameID2 == 1234);
        return 0;
    }
    printf("game: branch %s\n", branch());
    uint32_t last = 0;
    int consistent = 1, reads = 0;
    for (int i = 0; i < 2000 && last < FRAMES; i++) {
        shm_lock(&s);
        FTData d = ft->data;
        shm_unlock(&s);
        if (d.DataID != last && d.DataID) {
            if (d.Yaw != d.DataID * 0.5f || d.Pitch != -(float)d.DataID * 0.25f || d.X != d.DataID * 2.0f)
                consistent = 0;
            last = d.DataID;
            reads++;
        }
        sleep_ms(5);
    }
    shm_lock(&s);
    ft->GameID = 1234;
    ft->GameID2 = 1234;
    shm_unlock(&s);
    printf("game: last frame %u yaw %.1f, %dx%d, frames consistent: %d, several frames read: %d\n", last,
           ft->data.Yaw, ft->data.CamWidth, ft->data.CamHeight, consistent, reads > 5);
    return 0;
}
