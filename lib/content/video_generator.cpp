#include "content/video_generator.hpp"

#include "content/drawing.hpp"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/log.h>
#include <libavutil/opt.h>
#include <libswscale/swscale.h>
}

#include <cstring>
#include <stdexcept>

namespace agentd::content {
namespace {

// The MP4 muxer seeks back to write sizes: an in-memory file with a position.
struct Memory {
  std::string bytes;
  std::size_t pos = 0;
};

int write_packet(void* opaque, std::uint8_t* buf, int size) {  // FFmpeg 5: a non-const buffer
  auto* m = static_cast<Memory*>(opaque);
  if (m->pos + static_cast<std::size_t>(size) > m->bytes.size()) m->bytes.resize(m->pos + static_cast<std::size_t>(size));
  std::memcpy(m->bytes.data() + m->pos, buf, static_cast<std::size_t>(size));
  m->pos += static_cast<std::size_t>(size);
  return size;
}

std::int64_t seek(void* opaque, std::int64_t offset, int whence) {
  auto* m = static_cast<Memory*>(opaque);
  if (whence == AVSEEK_SIZE) return static_cast<std::int64_t>(m->bytes.size());
  const std::int64_t base = whence == SEEK_CUR ? static_cast<std::int64_t>(m->pos)
                            : whence == SEEK_END ? static_cast<std::int64_t>(m->bytes.size())
                                                 : 0;
  if (base + offset < 0) return -1;
  m->pos = static_cast<std::size_t>(base + offset);
  return static_cast<std::int64_t>(m->pos);
}

void check(int rc, const char* what) {
  if (rc < 0) {
    char text[AV_ERROR_MAX_STRING_SIZE] = {0};
    av_strerror(rc, text, sizeof text);
    throw std::runtime_error(std::string(what) + ": " + text);
  }
}

struct Encoder {
  AVFormatContext* fmt = nullptr;
  AVCodecContext* codec = nullptr;
  AVIOContext* io = nullptr;
  AVFrame* frame = nullptr;
  AVPacket* packet = nullptr;
  SwsContext* sws = nullptr;
  ~Encoder() {
    sws_freeContext(sws);
    av_packet_free(&packet);
    av_frame_free(&frame);
    avcodec_free_context(&codec);
    if (io) av_freep(&io->buffer);
    avio_context_free(&io);
    avformat_free_context(fmt);
  }
};

void drain(Encoder& e, AVStream* stream, bool flush) {
  check(avcodec_send_frame(e.codec, flush ? nullptr : e.frame), "encoding a frame");
  for (;;) {
    const int rc = avcodec_receive_packet(e.codec, e.packet);
    if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF) return;
    check(rc, "encoding a frame");
    av_packet_rescale_ts(e.packet, e.codec->time_base, stream->time_base);
    e.packet->stream_index = stream->index;
    check(av_interleaved_write_frame(e.fmt, e.packet), "writing the MP4");
  }
}

}  // namespace

std::string make_mp4(const std::string& prompt, const VideoSpec& spec) {
  // x264's progress lines are not ours to print.
  static const bool quiet = (av_log_set_level(AV_LOG_ERROR), true);
  (void)quiet;
  Memory out;
  Encoder e;
  check(avformat_alloc_output_context2(&e.fmt, nullptr, "mp4", nullptr), "starting the MP4");
  e.fmt->flags |= AVFMT_FLAG_BITEXACT;
  const AVCodec* h264 = avcodec_find_encoder_by_name("libx264");
  if (!h264) h264 = avcodec_find_encoder(AV_CODEC_ID_MPEG4);
  if (!h264) throw std::runtime_error("FFmpeg has no H.264 or MPEG-4 encoder");
  AVStream* stream = avformat_new_stream(e.fmt, nullptr);
  e.codec = avcodec_alloc_context3(h264);
  e.codec->width = spec.width;
  e.codec->height = spec.height;
  e.codec->time_base = AVRational{1, spec.fps};
  e.codec->framerate = AVRational{spec.fps, 1};
  e.codec->pix_fmt = AV_PIX_FMT_YUV420P;
  e.codec->gop_size = spec.fps * 2;
  e.codec->thread_count = 1;
  e.codec->flags |= AV_CODEC_FLAG_BITEXACT;
  if (e.fmt->oformat->flags & AVFMT_GLOBALHEADER) e.codec->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
  if (std::string(h264->name) == "libx264") {
    av_opt_set(e.codec->priv_data, "preset", "veryfast", 0);
    av_opt_set(e.codec->priv_data, "crf", "26", 0);
    // Without the lookahead's macroblock tree: with it, the same frames encoded twice in one
    // process came out different (measured), which would break "same prompt, same bytes".
    av_opt_set(e.codec->priv_data, "x264-params", "sync-lookahead=0:rc-lookahead=0:mbtree=0", 0);
  } else {
    e.codec->bit_rate = 800'000;
  }
  check(avcodec_open2(e.codec, h264, nullptr), "opening the encoder");
  check(avcodec_parameters_from_context(stream->codecpar, e.codec), "describing the stream");
  stream->time_base = e.codec->time_base;
  constexpr int kIoBuffer = 64 * 1024;
  auto* buffer = static_cast<unsigned char*>(av_malloc(kIoBuffer));
  e.io = avio_alloc_context(buffer, kIoBuffer, 1, &out, nullptr, write_packet, seek);
  e.fmt->pb = e.io;
  check(avformat_write_header(e.fmt, nullptr), "writing the MP4 header");

  e.frame = av_frame_alloc();
  e.frame->format = AV_PIX_FMT_YUV420P;
  e.frame->width = spec.width;
  e.frame->height = spec.height;
  check(av_frame_get_buffer(e.frame, 0), "allocating a frame");
  e.packet = av_packet_alloc();
  // Cairo's ARGB32 is BGRA in memory on this (little-endian) machine.
  e.sws = sws_getContext(spec.width, spec.height, AV_PIX_FMT_BGRA, spec.width, spec.height, AV_PIX_FMT_YUV420P,
                         SWS_BILINEAR | SWS_BITEXACT | SWS_ACCURATE_RND, nullptr, nullptr, nullptr);
  Surface surface(cairo_image_surface_create(CAIRO_FORMAT_ARGB32, spec.width, spec.height), &cairo_surface_destroy);
  const int frames = spec.duration * spec.fps;
  for (int i = 0; i < frames; ++i) {
    {
      Context cr(cairo_create(surface.get()), &cairo_destroy);
      Dice dice(prompt);  // the same picture each frame; only time moves it
      paint(cr.get(), dice, prompt, spec.width, spec.height, static_cast<double>(i) / frames + 1e-9);
    }
    cairo_surface_flush(surface.get());
    const std::uint8_t* src[1] = {cairo_image_surface_get_data(surface.get())};
    const int stride[1] = {cairo_image_surface_get_stride(surface.get())};
    check(av_frame_make_writable(e.frame), "preparing a frame");
    sws_scale(e.sws, src, stride, 0, spec.height, e.frame->data, e.frame->linesize);
    e.frame->pts = i;
    drain(e, stream, false);
  }
  drain(e, stream, true);
  check(av_write_trailer(e.fmt), "finishing the MP4");
  avio_flush(e.io);
  return std::move(out.bytes);
}

}  // namespace agentd::content
