package dev.editstream.emulator;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VideoRendererTest {
  @TempDir Path dir;

  @Test
  void shouldDecodeTheFirstFramesOfAnH264Mp4() throws Exception {
    byte[] mp4 =
        Files.readAllBytes(SampleServer.SAMPLES.resolve("e_video/e02_his_girl_friday_clip.mp4"));
    assertThat(VideoRenderer.decodeFirstFrames(mp4, 5))
        .hasSize(5)
        .allMatch(
            f -> f.getWidth() == VideoRenderer.WIDTH && f.getHeight() == VideoRenderer.HEIGHT);
  }

  @Test
  void shouldDecodeNothingFromWebmOrGarbage() throws Exception {
    byte[] webm = Files.readAllBytes(SampleServer.SAMPLES.resolve("e_video/e01_flower_bloom.webm"));
    assertThat(VideoRenderer.decodeFirstFrames(webm, 5)).isEmpty();
    assertThat(VideoRenderer.decodeFirstFrames(new byte[] {1, 2, 3}, 5)).isEmpty();
  }

  @Test
  void shouldWriteAnMp4WithAllFramesWhenThereIsNoInput() throws Exception {
    Path out = dir.resolve("o.mp4");
    VideoRenderer.render(null, "m/x", out);
    byte[] bytes = Files.readAllBytes(out);

    assertThat(new String(bytes, 4, 4, java.nio.charset.StandardCharsets.US_ASCII))
        .isEqualTo("ftyp");
    assertThat(FaultsAndVideoTest.frameCount(bytes)).isEqualTo(VideoRenderer.FRAMES);
  }

  @Test
  void shouldMoveTheBarBetweenSyntheticFrames() {
    assertThat(
            RunComfyEmulatorTest.differingPixels(
                VideoRenderer.movingBar(0), VideoRenderer.movingBar(10)))
        .isPositive();
  }
}
