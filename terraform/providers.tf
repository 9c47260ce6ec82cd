provider "aws" {
  region = var.region

  # Every taggable resource carries the stack tag; each module adds its own lakectl:module tag.
  # lakectl tells owned, foreign and unmanaged resources apart by these two tags.
  default_tags {
    tags = merge(var.tags, {
      "lakectl:stack" = var.name
    })
  }
}
