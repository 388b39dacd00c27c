$text = @"
line one
line two
Write-Output $text
