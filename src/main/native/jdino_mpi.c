/*
 * JNI library over MPI's C API for data-parallel training (dev.jdino.dist.MpiNative).
 *
 * DJL has no collectives, so the gradient allreduce of data-parallel DINO (the official code's
 * DistributedDataParallel, main_dino.py) and the centre allreduce (DINOLoss.update_center) go
 * through MPI: whatever MPI the cluster provides, through its standard C API, built with that
 * MPI's own `mpicc` (src/main/native/build_mpi.sh).
 *
 * Rules this file keeps:
 *  - MPI is initialised with MPI_THREAD_FUNNELED: every MPI call comes from the Java thread that
 *    called init (the Java side checks it), so no MPI implementation needs full thread support.
 *  - Errors never abort the process: MPI_ERRORS_RETURN is set on the communicators and every
 *    failed call becomes a dev.jdino.dist.CollectiveException carrying MPI's error string.
 *  - Reductions work in place on direct buffers (NDArray.toByteBuffer(true) is a view of a
 *    tensor's own memory), in chunks of at most INT_MAX elements since MPI counts are int.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <jni.h>
#include <limits.h>
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Element types, numbered as dev.jdino.dist.ElementType.code(). */
enum { JD_FLOAT32 = 0, JD_FLOAT64 = 1, JD_INT64 = 2 };

static MPI_Comm local_comm = MPI_COMM_NULL;
/* 1 if this library called MPI_Init_thread (and so must call MPI_Finalize). */
static int owns_mpi = 0;
/* Why promoting libmpi's symbols to global failed, or "" (reported by init, not at load). */
static char load_error[768] = "";

/*
 * Open MPI loads its components (transports, PMIx) as plugins that resolve symbols of libmpi
 * itself. When the JVM loads this library with dlopen(RTLD_LOCAL), libmpi comes in as a local
 * dependency and the plugins fail to load. Re-opening the very libmpi this library was linked
 * against with RTLD_GLOBAL (found through dladdr, so it works for any MPI's soname) makes its
 * symbols visible to them.
 */
JNIEXPORT jint JNICALL JNI_OnLoad(JavaVM *vm, void *reserved) {
  (void)vm;
  (void)reserved;
  Dl_info info;
  if (dladdr((void *)&MPI_Init_thread, &info) == 0 || info.dli_fname == NULL) {
    snprintf(load_error, sizeof load_error,
             "cannot locate the MPI library that libjdino-mpi.so was linked against");
    return JNI_VERSION_1_8;
  }
  if (dlopen(info.dli_fname, RTLD_NOW | RTLD_GLOBAL | RTLD_NOLOAD) == NULL) {
    const char *why = dlerror();
    snprintf(load_error, sizeof load_error, "cannot make %s's symbols global: %s",
             info.dli_fname, why ? why : "unknown dlopen error");
  }
  return JNI_VERSION_1_8;
}

static void throw_named(JNIEnv *env, const char *cls, const char *msg) {
  jclass c = (*env)->FindClass(env, cls);
  if (c != NULL) {
    (*env)->ThrowNew(env, c, msg);
  }
}

/* Throws CollectiveException("<op> failed: <MPI's error string>"). */
static void throw_mpi(JNIEnv *env, const char *op, int rc) {
  char text[MPI_MAX_ERROR_STRING + 1];
  int len = 0;
  if (MPI_Error_string(rc, text, &len) != MPI_SUCCESS) {
    snprintf(text, sizeof text, "MPI error code %d", rc);
  } else {
    text[len] = '\0';
  }
  char msg[MPI_MAX_ERROR_STRING + 160];
  snprintf(msg, sizeof msg, "%s failed: %s", op, text);
  throw_named(env, "dev/jdino/dist/CollectiveException", msg);
}

static MPI_Datatype mpi_type(int code, int *size) {
  switch (code) {
    case JD_FLOAT32:
      *size = 4;
      return MPI_FLOAT;
    case JD_FLOAT64:
      *size = 8;
      return MPI_DOUBLE;
    case JD_INT64:
      *size = 8;
      return MPI_INT64_T;
    default:
      *size = 0;
      return MPI_DATATYPE_NULL;
  }
}

/* The address and byte length of a direct buffer, or NULL with IllegalArgumentException. */
static char *direct(JNIEnv *env, jobject buf, jlong *bytes) {
  char *p = (char *)(*env)->GetDirectBufferAddress(env, buf);
  *bytes = (*env)->GetDirectBufferCapacity(env, buf);
  if (p == NULL || *bytes < 0) {
    throw_named(env, "java/lang/IllegalArgumentException", "expected a direct ByteBuffer");
    return NULL;
  }
  return p;
}

JNIEXPORT jstring JNICALL Java_dev_jdino_dist_MpiNative_libraryVersion(JNIEnv *env, jclass c) {
  (void)c;
  char v[MPI_MAX_LIBRARY_VERSION_STRING + 1];
  int len = 0;
  if (MPI_Get_library_version(v, &len) != MPI_SUCCESS) {
    return (*env)->NewStringUTF(env, "unknown MPI");
  }
  v[len] = '\0';
  /* Open MPI appends newlines and build details; the first line names it. */
  char *nl = strchr(v, '\n');
  if (nl != NULL) {
    *nl = '\0';
  }
  return (*env)->NewStringUTF(env, v);
}

/*
 * Initialises MPI (FUNNELED) unless something else in the process already did, sets
 * MPI_ERRORS_RETURN and splits off the communicator of the ranks sharing this node's memory
 * (their number sets threads per rank; their rank picks a GPU). Returns whether the thread
 * level provided is at least FUNNELED. MPI_Init's own failures cannot be returned (no
 * communicator exists yet): MPI prints them and exits.
 */
JNIEXPORT jboolean JNICALL Java_dev_jdino_dist_MpiNative_init(JNIEnv *env, jclass c) {
  (void)c;
  if (load_error[0] != '\0') {
    throw_named(env, "dev/jdino/dist/CollectiveException", load_error);
    return JNI_FALSE;
  }
  int initialized = 0;
  int finalized = 0;
  MPI_Initialized(&initialized);
  MPI_Finalized(&finalized);
  if (finalized) {
    throw_named(env, "java/lang/IllegalStateException",
                "MPI was already finalized in this process and cannot be started again");
    return JNI_FALSE;
  }
  int provided = MPI_THREAD_SINGLE;
  if (!initialized) {
    int rc = MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided);
    if (rc != MPI_SUCCESS) {
      throw_mpi(env, "MPI_Init_thread", rc);
      return JNI_FALSE;
    }
    owns_mpi = 1;
  } else {
    MPI_Query_thread(&provided);
  }
  int rc = MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  if (rc != MPI_SUCCESS) {
    throw_mpi(env, "MPI_Comm_set_errhandler", rc);
    return JNI_FALSE;
  }
  if (local_comm == MPI_COMM_NULL) {
    rc = MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &local_comm);
    if (rc != MPI_SUCCESS) {
      throw_mpi(env, "MPI_Comm_split_type", rc);
      return JNI_FALSE;
    }
    MPI_Comm_set_errhandler(local_comm, MPI_ERRORS_RETURN);
  }
  return provided >= MPI_THREAD_FUNNELED ? JNI_TRUE : JNI_FALSE;
}

static jint comm_query(JNIEnv *env, MPI_Comm comm, int want_size, const char *op) {
  int v = -1;
  int rc = want_size ? MPI_Comm_size(comm, &v) : MPI_Comm_rank(comm, &v);
  if (rc != MPI_SUCCESS) {
    throw_mpi(env, op, rc);
    return -1;
  }
  return v;
}

JNIEXPORT jint JNICALL Java_dev_jdino_dist_MpiNative_rank(JNIEnv *env, jclass c) {
  (void)c;
  return comm_query(env, MPI_COMM_WORLD, 0, "MPI_Comm_rank");
}

JNIEXPORT jint JNICALL Java_dev_jdino_dist_MpiNative_size(JNIEnv *env, jclass c) {
  (void)c;
  return comm_query(env, MPI_COMM_WORLD, 1, "MPI_Comm_size");
}

JNIEXPORT jint JNICALL Java_dev_jdino_dist_MpiNative_localRank(JNIEnv *env, jclass c) {
  (void)c;
  return comm_query(env, local_comm, 0, "MPI_Comm_rank(node)");
}

JNIEXPORT jint JNICALL Java_dev_jdino_dist_MpiNative_localSize(JNIEnv *env, jclass c) {
  (void)c;
  return comm_query(env, local_comm, 1, "MPI_Comm_size(node)");
}

JNIEXPORT jstring JNICALL Java_dev_jdino_dist_MpiNative_processorName(JNIEnv *env, jclass c) {
  (void)c;
  char name[MPI_MAX_PROCESSOR_NAME + 1];
  int len = 0;
  int rc = MPI_Get_processor_name(name, &len);
  if (rc != MPI_SUCCESS) {
    throw_mpi(env, "MPI_Get_processor_name", rc);
    return NULL;
  }
  name[len] = '\0';
  return (*env)->NewStringUTF(env, name);
}

JNIEXPORT void JNICALL Java_dev_jdino_dist_MpiNative_barrier(JNIEnv *env, jclass c) {
  (void)c;
  int rc = MPI_Barrier(MPI_COMM_WORLD);
  if (rc != MPI_SUCCESS) {
    throw_mpi(env, "MPI_Barrier", rc);
  }
}

/*
 * In-place MPI_Allreduce(SUM) over the whole of a direct buffer of the given element type, in
 * chunks of at most maxChunk elements (at most INT_MAX; smaller values let tests cross chunk
 * boundaries on small buffers). Returns the number of MPI_Allreduce calls made.
 */
JNIEXPORT jint JNICALL Java_dev_jdino_dist_MpiNative_allReduceSum(JNIEnv *env, jclass c,
                                                                  jobject buf, jint type,
                                                                  jlong maxChunk) {
  (void)c;
  int esize = 0;
  MPI_Datatype dt = mpi_type(type, &esize);
  if (dt == MPI_DATATYPE_NULL) {
    throw_named(env, "java/lang/IllegalArgumentException", "unknown element type code");
    return 0;
  }
  jlong bytes = 0;
  char *p = direct(env, buf, &bytes);
  if (p == NULL) {
    return 0;
  }
  if (bytes % esize != 0) {
    throw_named(env, "java/lang/IllegalArgumentException",
                "buffer length is not a multiple of the element size");
    return 0;
  }
  if (maxChunk <= 0 || maxChunk > INT_MAX) {
    maxChunk = INT_MAX;
  }
  jlong n = bytes / esize;
  jint calls = 0;
  for (jlong off = 0; off < n; off += maxChunk) {
    int count = (int)(n - off < maxChunk ? n - off : maxChunk);
    int rc = MPI_Allreduce(MPI_IN_PLACE, p + off * esize, count, dt, MPI_SUM, MPI_COMM_WORLD);
    if (rc != MPI_SUCCESS) {
      throw_mpi(env, "MPI_Allreduce", rc);
      return calls;
    }
    calls++;
  }
  return calls;
}

/* MPI_Bcast of a whole direct buffer from root, in chunks of at most maxChunk bytes. */
JNIEXPORT jint JNICALL Java_dev_jdino_dist_MpiNative_broadcast(JNIEnv *env, jclass c,
                                                               jobject buf, jint root,
                                                               jlong maxChunk) {
  (void)c;
  jlong bytes = 0;
  char *p = direct(env, buf, &bytes);
  if (p == NULL) {
    return 0;
  }
  if (maxChunk <= 0 || maxChunk > INT_MAX) {
    maxChunk = INT_MAX;
  }
  jint calls = 0;
  for (jlong off = 0; off < bytes; off += maxChunk) {
    int count = (int)(bytes - off < maxChunk ? bytes - off : maxChunk);
    int rc = MPI_Bcast(p + off, count, MPI_BYTE, root, MPI_COMM_WORLD);
    if (rc != MPI_SUCCESS) {
      throw_mpi(env, "MPI_Bcast", rc);
      return calls;
    }
    calls++;
  }
  return calls;
}

/* Ends every rank of the job (MPI_Abort on the world), for a failure one rank cannot recover. */
JNIEXPORT void JNICALL Java_dev_jdino_dist_MpiNative_abort(JNIEnv *env, jclass c, jint code) {
  (void)env;
  (void)c;
  MPI_Abort(MPI_COMM_WORLD, code);
}

JNIEXPORT void JNICALL Java_dev_jdino_dist_MpiNative_finalizeMpi(JNIEnv *env, jclass c) {
  (void)c;
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (finalized) {
    return;
  }
  if (local_comm != MPI_COMM_NULL) {
    MPI_Comm_free(&local_comm);
    local_comm = MPI_COMM_NULL;
  }
  if (owns_mpi) {
    int rc = MPI_Finalize();
    if (rc != MPI_SUCCESS) {
      throw_mpi(env, "MPI_Finalize", rc);
    }
  }
}

/* ---------------------------------------------------------------------------------------------
 * Tensor memory by address. A CUDA tensor has no direct-buffer view (DJL copies it to the host),
 * so NCCL needs the device address itself: libtorch exports the typed accessors
 * at::TensorBase::mutable_data_ptr<T>() const, and a DJL PtNDArray handle is a torch::Tensor*
 * (a TensorBase, single inheritance). They are found with dlsym in the libtorch_cpu.so DJL has
 * already loaded, never linked, so this library builds without libtorch's headers. The Java side
 * calls the accessor of the tensor's own type only: a mismatch would throw a C++ exception
 * through C frames.
 */
typedef void *(*data_ptr_fn)(const void *tensor);
static data_ptr_fn data_ptr[3];

static const char *const DATA_PTR_SYMBOLS[3] = {
    "_ZNK2at10TensorBase16mutable_data_ptrIfEEPT_v", /* float */
    "_ZNK2at10TensorBase16mutable_data_ptrIdEEPT_v", /* double */
    "_ZNK2at10TensorBase16mutable_data_ptrIlEEPT_v", /* int64_t (long on LP64) */
};

JNIEXPORT jlong JNICALL Java_dev_jdino_dist_MpiNative_tensorAddress(JNIEnv *env, jclass c,
                                                                    jlong handle, jint type) {
  (void)c;
  if (type < 0 || type > 2 || handle == 0) {
    throw_named(env, "java/lang/IllegalArgumentException", "bad tensor handle or element type");
    return 0;
  }
  if (data_ptr[type] == NULL) {
    void *torch = dlopen("libtorch_cpu.so", RTLD_LAZY | RTLD_NOLOAD);
    void *f = dlsym(torch != NULL ? torch : RTLD_DEFAULT, DATA_PTR_SYMBOLS[type]);
    if (f == NULL) {
      char msg[320];
      snprintf(msg, sizeof msg, "libtorch's %s is not loaded or not exported",
               DATA_PTR_SYMBOLS[type]);
      throw_named(env, "dev/jdino/dist/CollectiveException", msg);
      return 0;
    }
    *(void **)(&data_ptr[type]) = f;
  }
  return (jlong)(intptr_t)data_ptr[type]((const void *)(intptr_t)handle);
}

/* The address a direct buffer views (tests compare it with tensorAddress). */
JNIEXPORT jlong JNICALL Java_dev_jdino_dist_MpiNative_bufferAddress(JNIEnv *env, jclass c,
                                                                    jobject buf) {
  (void)c;
  return (jlong)(intptr_t)(*env)->GetDirectBufferAddress(env, buf);
}

/* ---------------------------------------------------------------------------------------------
 * NCCL, the GPU backend, loaded at run time (libnccl.so.2 comes with CUDA installs, not with
 * Debian) and declared here rather than included, so this file builds on machines without CUDA.
 * The communicator is bootstrapped as NCCL's documentation shows for MPI programs: rank 0 makes
 * the unique id, MPI_Bcast sends it, every rank calls ncclCommInitRank. Operations run on the
 * legacy default stream, the stream libtorch computes on unless told otherwise, so they are
 * ordered after the backward pass that produced the gradient; the call then waits for the
 * stream (cuStreamSynchronize) so that timing and the watchdog see the real duration.
 * The device is made current through the driver API (libcuda.so.1 ships with the driver):
 * every CUDA runtime in the process, NCCL's static one included, follows the current context.
 *
 * Constants and prototypes: nccl.h of NCCL 2.x and cuda.h (CUDA driver API).
 */
typedef struct {
  char internal[128];
} jd_nccl_id;
typedef void *jd_nccl_comm;
typedef int (*nccl_version_fn)(int *);
typedef int (*nccl_get_id_fn)(jd_nccl_id *);
typedef int (*nccl_init_rank_fn)(jd_nccl_comm *, int, jd_nccl_id, int);
typedef int (*nccl_all_reduce_fn)(const void *, void *, size_t, int, int, jd_nccl_comm, void *);
typedef int (*nccl_broadcast_fn)(const void *, void *, size_t, int, int, jd_nccl_comm, void *);
typedef int (*nccl_comm_fn)(jd_nccl_comm);
typedef const char *(*nccl_error_string_fn)(int);
typedef int (*cu_init_fn)(unsigned int);
typedef int (*cu_device_get_fn)(int *, int);
typedef int (*cu_primary_ctx_retain_fn)(void **, int);
typedef int (*cu_ctx_set_current_fn)(void *);
typedef int (*cu_stream_synchronize_fn)(void *);

enum { NCCL_INT64 = 4, NCCL_FLOAT32 = 7, NCCL_FLOAT64 = 8, NCCL_UINT8 = 1, NCCL_SUM = 0 };

static struct {
  nccl_version_fn version;
  nccl_get_id_fn get_id;
  nccl_init_rank_fn init_rank;
  nccl_all_reduce_fn all_reduce;
  nccl_broadcast_fn broadcast;
  nccl_comm_fn destroy;
  nccl_error_string_fn error_string;
  cu_init_fn cu_init;
  cu_device_get_fn cu_device_get;
  cu_primary_ctx_retain_fn cu_ctx_retain;
  cu_ctx_set_current_fn cu_ctx_set_current;
  cu_stream_synchronize_fn cu_stream_sync;
  jd_nccl_comm comm;
} nccl;

static void *need(JNIEnv *env, void *lib, const char *libname, const char *symbol) {
  void *f = dlsym(lib, symbol);
  if (f == NULL) {
    char msg[256];
    snprintf(msg, sizeof msg, "%s has no %s (too old?)", libname, symbol);
    throw_named(env, "dev/jdino/dist/CollectiveException", msg);
  }
  return f;
}

/* Loads libnccl.so.2 and libcuda.so.1; returns NCCL's version code (e.g. 22703 for 2.27.3). */
JNIEXPORT jint JNICALL Java_dev_jdino_dist_MpiNative_ncclLoad(JNIEnv *env, jclass c) {
  (void)c;
  if (nccl.version != NULL) {
    int v = 0;
    nccl.version(&v);
    return v;
  }
  void *lib = dlopen("libnccl.so.2", RTLD_NOW | RTLD_GLOBAL);
  if (lib == NULL) {
    char msg[600];
    const char *why = dlerror();
    snprintf(msg, sizeof msg, "NCCL not found (libnccl.so.2: %s)", why ? why : "not loadable");
    throw_named(env, "dev/jdino/dist/CollectiveException", msg);
    return 0;
  }
  void *cuda = dlopen("libcuda.so.1", RTLD_NOW | RTLD_GLOBAL);
  if (cuda == NULL) {
    throw_named(env, "dev/jdino/dist/CollectiveException",
                "the CUDA driver library libcuda.so.1 is not loadable");
    return 0;
  }
  void *f[12];
  const char *names[12] = {"ncclGetVersion", "ncclGetUniqueId", "ncclCommInitRank",
                           "ncclAllReduce", "ncclBroadcast", "ncclCommDestroy",
                           "ncclGetErrorString", "cuInit", "cuDeviceGet",
                           "cuDevicePrimaryCtxRetain", "cuCtxSetCurrent", "cuStreamSynchronize"};
  for (int i = 0; i < 12; i++) {
    f[i] = need(env, i < 7 ? lib : cuda, i < 7 ? "libnccl.so.2" : "libcuda.so.1", names[i]);
    if (f[i] == NULL) {
      return 0;
    }
  }
  /* Function pointers from dlsym, converted the POSIX way. */
  *(void **)(&nccl.get_id) = f[1];
  *(void **)(&nccl.init_rank) = f[2];
  *(void **)(&nccl.all_reduce) = f[3];
  *(void **)(&nccl.broadcast) = f[4];
  *(void **)(&nccl.destroy) = f[5];
  *(void **)(&nccl.error_string) = f[6];
  *(void **)(&nccl.cu_init) = f[7];
  *(void **)(&nccl.cu_device_get) = f[8];
  *(void **)(&nccl.cu_ctx_retain) = f[9];
  *(void **)(&nccl.cu_ctx_set_current) = f[10];
  *(void **)(&nccl.cu_stream_sync) = f[11];
  *(void **)(&nccl.version) = f[0];
  int v = 0;
  nccl.version(&v);
  return v;
}

static void throw_nccl(JNIEnv *env, const char *op, int rc) {
  char msg[512];
  snprintf(msg, sizeof msg, "%s failed: %s (NCCL error %d)", op,
           nccl.error_string != NULL ? nccl.error_string(rc) : "?", rc);
  throw_named(env, "dev/jdino/dist/CollectiveException", msg);
}

static void throw_cuda(JNIEnv *env, const char *op, int rc) {
  char msg[256];
  snprintf(msg, sizeof msg, "%s failed: CUDA driver error %d", op, rc);
  throw_named(env, "dev/jdino/dist/CollectiveException", msg);
}

/* Makes GPU `device` current on this thread (its primary context, the one libtorch uses). */
static int make_current(JNIEnv *env, int device) {
  int dev = 0;
  void *ctx = NULL;
  int rc = nccl.cu_init(0);
  if (rc == 0) {
    rc = nccl.cu_device_get(&dev, device);
  }
  if (rc == 0) {
    rc = nccl.cu_ctx_retain(&ctx, dev);
  }
  if (rc == 0) {
    rc = nccl.cu_ctx_set_current(ctx);
  }
  if (rc != 0) {
    throw_cuda(env, "selecting the GPU", rc);
    return 0;
  }
  return 1;
}

/* Rank 0's fresh unique id, broadcast over MPI, then ncclCommInitRank on `device`. */
JNIEXPORT void JNICALL Java_dev_jdino_dist_MpiNative_ncclInit(JNIEnv *env, jclass c,
                                                              jint device) {
  (void)c;
  if (nccl.version == NULL) {
    throw_named(env, "java/lang/IllegalStateException", "NCCL is not loaded");
    return;
  }
  int rank = 0;
  int size = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  if (!make_current(env, device)) {
    return;
  }
  jd_nccl_id id;
  memset(&id, 0, sizeof id);
  int rc = 0;
  if (rank == 0 && (rc = nccl.get_id(&id)) != 0) {
    throw_nccl(env, "ncclGetUniqueId", rc);
    /* the other ranks wait in MPI_Bcast: the caller's exit ends them (or their watchdog) */
    return;
  }
  rc = MPI_Bcast(&id, (int)sizeof id, MPI_BYTE, 0, MPI_COMM_WORLD);
  if (rc != MPI_SUCCESS) {
    throw_mpi(env, "MPI_Bcast(NCCL id)", rc);
    return;
  }
  rc = nccl.init_rank(&nccl.comm, size, id, rank);
  if (rc != 0) {
    nccl.comm = NULL;
    throw_nccl(env, "ncclCommInitRank", rc);
  }
}

static int nccl_type(int code) {
  return code == JD_FLOAT32 ? NCCL_FLOAT32 : code == JD_FLOAT64 ? NCCL_FLOAT64 : NCCL_INT64;
}

static void nccl_wait(JNIEnv *env, const char *op) {
  int rc = nccl.cu_stream_sync(NULL);
  if (rc != 0) {
    throw_cuda(env, op, rc);
  }
}

/* In-place ncclAllReduce(SUM) of `count` elements at device address `address`. */
JNIEXPORT void JNICALL Java_dev_jdino_dist_MpiNative_ncclAllReduceSum(JNIEnv *env, jclass c,
                                                                      jlong address, jlong count,
                                                                      jint type) {
  (void)c;
  if (nccl.comm == NULL) {
    throw_named(env, "java/lang/IllegalStateException", "NCCL is not initialised");
    return;
  }
  void *p = (void *)(intptr_t)address;
  int rc = nccl.all_reduce(p, p, (size_t)count, nccl_type(type), NCCL_SUM, nccl.comm, NULL);
  if (rc != 0) {
    throw_nccl(env, "ncclAllReduce", rc);
    return;
  }
  nccl_wait(env, "ncclAllReduce (stream synchronize)");
}

/* In-place ncclBroadcast of `bytes` bytes at device address `address` from `root`. */
JNIEXPORT void JNICALL Java_dev_jdino_dist_MpiNative_ncclBroadcast(JNIEnv *env, jclass c,
                                                                   jlong address, jlong bytes,
                                                                   jint root) {
  (void)c;
  if (nccl.comm == NULL) {
    throw_named(env, "java/lang/IllegalStateException", "NCCL is not initialised");
    return;
  }
  void *p = (void *)(intptr_t)address;
  int rc = nccl.broadcast(p, p, (size_t)bytes, NCCL_UINT8, root, nccl.comm, NULL);
  if (rc != 0) {
    throw_nccl(env, "ncclBroadcast", rc);
    return;
  }
  nccl_wait(env, "ncclBroadcast (stream synchronize)");
}

JNIEXPORT void JNICALL Java_dev_jdino_dist_MpiNative_ncclFinalize(JNIEnv *env, jclass c) {
  (void)c;
  if (nccl.comm != NULL) {
    int rc = nccl.destroy(nccl.comm);
    nccl.comm = NULL;
    if (rc != 0) {
      throw_nccl(env, "ncclCommDestroy", rc);
    }
  }
}
