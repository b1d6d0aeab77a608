case when 0 = 0 then '' else right('abc', 0) end
