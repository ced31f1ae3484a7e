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
 * level provided is at least FUNNELED. MPI_Init's own failures cannot be returned (no communicator exists yet): MPI prints
 * them and exits.
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
