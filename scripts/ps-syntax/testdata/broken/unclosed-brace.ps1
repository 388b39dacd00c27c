function Get-Thing {
    if ($x) {
        "a"
    }
