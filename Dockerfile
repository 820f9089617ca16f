# StreamAlign image: one runnable jar, the `streamalign` command as entry point.
# Build:  docker build -t streamalign:latest .
# (CPU PyTorch natives. For CUDA, build with
#   --build-arg MAVEN_ARGS="-Dpytorch.native.artifact=pytorch-native-cu124 -Dpytorch.native.version=2.5.1"
#  on a base image with a matching CUDA runtime; see README "GPU".)
FROM eclipse-temurin:17-jdk AS build
WORKDIR /src
ARG MAVEN_ARGS=""
COPY . .
RUN ./mvnw -B -q -DskipTests ${MAVEN_ARGS} install

FROM eclipse-temurin:17-jre
RUN useradd --create-home --uid 10001 streamalign
USER streamalign
WORKDIR /home/streamalign
COPY --from=build /src/app/target/streamalign.jar /opt/streamalign/streamalign.jar
# DJL extracts the PyTorch natives bundled in the jar here on first use; never downloads them.
# glibc malloc as ./streamalign sets it (README "Native memory").
ENV MALLOC_ARENA_MAX=2 \
    GLIBC_TUNABLES=glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=268435456 \
    DJL_CACHE_DIR=/home/streamalign/.djl.ai \
    JAVA_TOOL_OPTIONS="-Dai.djl.offline=true -XX:MaxRAMPercentage=75"
ENTRYPOINT ["java", "-jar", "/opt/streamalign/streamalign.jar"]
CMD ["--help"]
