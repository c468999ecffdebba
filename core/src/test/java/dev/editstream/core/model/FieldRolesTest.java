package dev.editstream.core.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.editstream.core.Json;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class FieldRolesTest {
  private static ModelSpec.Fields infer(String schema) throws Exception {
    return FieldRoles.infer(
        SchemaDialect.normalise(Json.mapper().readTree(schema.replace('\'', '"'))));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      nullValues = "-",
      value = {
        // what | schema | prompt | images | array | mask | video
        "images array (gpt image)|{'required':['prompt','images'],'properties':{'prompt':{'type':'string'},'images':{'type':'array','format':'image_uris'}}}|prompt|images|true|-|-",
        "image_urls (nano banana)|{'properties':{'prompt':{'type':'string'},'image_urls':{'type':'array','items':{'type':'string','format':'image_uri'}}}}|prompt|image_urls|true|-|-",
        "one image (flux)|{'properties':{'prompt':{'type':'string'},'image_url':{'type':'string','format':'image_uri'}}}|prompt|image_url|false|-|-",
        "mask (z-image)|{'properties':{'prompt':{'type':'string'},'image_url':{'type':'string','format':'image_uri'},'mask_image_url':{'type':'string','format':'image_uri'}}}|prompt|image_url|false|mask_image_url|-",
        "mask_url (qwen)|{'properties':{'prompt':{'type':'string'},'image_url':{'type':'string','format':'image_uri'},'mask_url':{'type':'string','format':'image_uri'}}}|prompt|image_url|false|mask_url|-",
        "video + reference (wan 2.7)|{'properties':{'prompt':{'type':'string'},'video_url':{'type':'string','format':'video_uri'},'reference_image_url':{'type':'string','format':'image_uri'}}}|prompt|reference_image_url|false|-|video_url",
        "text prompt (seedream)|{'properties':{'text':{'type':'string'},'images':{'type':'array','format':'image_uris'}}}|text|images|true|-|-",
        "image array named image (seedream 5)|{'required':['prompt','image'],'properties':{'prompt':{'type':'string'},'image':{'type':'array','format':'image_uris'}}}|prompt|image|true|-|-",
        "unusual name, required wins|{'required':['src'],'properties':{'user_prompt':{'type':'string'},'style':{'type':'string','format':'image_uri'},'src':{'type':'string','format':'image_uri'}}}|user_prompt|src|false|-|-",
        "no formats: conventional names|{'properties':{'prompt':{'type':'string'},'image_url':{'type':'string'},'mask_image_url':{'type':'string'}}}|prompt|image_url|false|mask_image_url|-",
        "no formats: video (seeds)|{'properties':{'prompt':{'type':'string'},'video':{'type':'string'}}}|prompt|-|false|-|video",
        "no prompt at all|{'properties':{'negative_prompt':{'type':'string'},'image_url':{'type':'string','format':'image_uri'}}}|-|image_url|false|-|-"
      })
  void shouldFindWhereTheJobsPartsGo(
      String what,
      String schema,
      String prompt,
      String images,
      boolean array,
      String mask,
      String video)
      throws Exception {
    assertThat(infer(schema)).isEqualTo(new ModelSpec.Fields(prompt, images, array, mask, video));
  }
}
